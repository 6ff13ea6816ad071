-- The partitions of one partitioned table, oldest first. Parameter: %(table)s (regclass text). Run
-- with TimeZone = UTC. bounds as Postgres writes them (FROM (…) TO (…), or DEFAULT); upper: the TO
-- bound as timestamptz (null for DEFAULT; the cast fails for a key that is not a time).
select n.nspname as schema, c.relname as name, b.bounds,
       ((regexp_match(b.bounds, $$ TO \('([^']*)'\)$$))[1])::timestamptz as upper,
       c.reltuples::bigint as estimated_rows,
       coalesce(i.inhdetachpending, false) as detach_pending
  from pg_inherits i
  join pg_class c on c.oid = i.inhrelid
  join pg_namespace n on n.oid = c.relnamespace
  cross join lateral (select pg_get_expr(c.relpartbound, c.oid) as bounds) b
 where i.inhparent = %(table)s::regclass
 order by b.bounds
