-- Foreign keys that reference a partitioned table (on the table itself or any other), one row per
-- constraint: the referencing table and columns, the referenced columns. Parameter: %(table)s.
select rn.nspname as schema, r.relname as "table", con.conname as name,
       array(select a.attname::text from unnest(con.conkey) with ordinality k(n, o)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o) as columns,
       array(select a.attname::text from unnest(con.confkey) with ordinality k(n, o)
               join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.o) as ref_columns
  from pg_constraint con
  join pg_class r on r.oid = con.conrelid
  join pg_namespace rn on rn.oid = r.relnamespace
 where con.contype = 'f' and con.confrelid = %(table)s::regclass and con.conparentid = 0
   and not r.relispartition
 order by 1, 2, 3
