-- Relations in %(schemas)s an API could serve: tables (r), partitioned tables (p), views (v),
-- materialized views (m) and foreign tables (f); extension members excluded. Their privileges are
-- the catalog's grants. Ordered by schema, name.
select n.nspname::text as schema,
       c.relname::text as name,
       c.relkind::text as kind
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p', 'v', 'm', 'f')
   and n.nspname = any(%(schemas)s::name[])
   and not exists (select 1 from pg_depend e
                    where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
 order by n.nspname, c.relname
