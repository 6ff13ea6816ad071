-- Row-level security policies (including storage.objects). Parameter: %(schemas)s (text[]).
-- roles: role oids (0 = PUBLIC), named client-side from roles.sql.
select n.nspname as schema,
       c.relname as "table",
       p.polname as name,
       p.polpermissive as permissive,
       case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update'
                     when 'd' then 'delete' else 'all' end as command,
       p.polroles::bigint[] as roles,
       pg_get_expr(p.polqual, p.polrelid) as using,
       pg_get_expr(p.polwithcheck, p.polrelid) as with_check
  from pg_policy p
  join pg_class c on c.oid = p.polrelid
  join pg_namespace n on n.oid = c.relnamespace
 where not c.relispartition
   and n.nspname = any(%(schemas)s::name[])
 order by n.nspname, c.relname, p.polname
