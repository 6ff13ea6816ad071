-- Foreign keys of tables in %(schemas)s: the referenced table and the index of it that backs the
-- reference (the primary key, or a unique index or constraint). Ordered by schema, table, name.
select n.nspname::text as schema,
       c.relname::text as "table",
       con.conname::text as name,
       rn.nspname::text as ref_schema,
       rc.relname::text as ref_table,
       ic.relname::text as ref_index
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_class rc on rc.oid = con.confrelid
  join pg_namespace rn on rn.oid = rc.relnamespace
  join pg_class ic on ic.oid = con.conindid
 where con.contype = 'f'
   and n.nspname = any(%(schemas)s::name[])
 order by n.nspname, c.relname, con.conname
