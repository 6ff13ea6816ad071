-- Ordinary and partitioned tables (extension members excluded). Parameter: %(schemas)s (text[]).
-- Columns and constraints come from columns.sql and constraints.sql (flat rows are much faster
-- than nested json aggregates).
select n.nspname as schema,
       c.relname as name,
       c.relrowsecurity as rls_enabled,
       c.relforcerowsecurity as rls_forced
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p')
   and not c.relispartition  -- a partition follows its parent (its own state: the pack's checks)
   and n.nspname = any(%(schemas)s::name[])
   and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
   and not exists (select 1 from pg_depend e
                    where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
 order by n.nspname, c.relname
