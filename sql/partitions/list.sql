-- The range partitions of one partitioned table, oldest first. Parameter: %(table)s (regclass text).
-- bounds as written by Postgres (FROM (…) TO (…)); lower/upper as timestamptz when the key is one.
select n.nspname as schema, c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds,
       c.reltuples::bigint as estimated_rows,
       coalesce(i.inhdetachpending, false) as detach_pending
  from pg_inherits i
  join pg_class c on c.oid = i.inhrelid
  join pg_namespace n on n.oid = c.relnamespace
 where i.inhparent = %(table)s::regclass
 order by pg_get_expr(c.relpartbound, c.oid)
