-- Installed extensions and their schema. Ordered by name.
select e.extname::text as name, n.nspname::text as schema
  from pg_extension e join pg_namespace n on n.oid = e.extnamespace
 order by e.extname
