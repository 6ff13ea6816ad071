-- Views and materialized views in %(schemas)s: security_invoker, whether they read auth.users, and
-- which API roles may select from them. Ordered by schema, name.
select n.nspname::text as schema,
       c.relname::text as name,
       c.relkind = 'm' as materialized,
       coalesce((select lower(split_part(opt, '=', 2)) in ('true', 'on', '1')
                   from unnest(c.reloptions) opt where opt like 'security\_invoker=%%'), false)
         as security_invoker,
       exists (select 1 from pg_rewrite r join pg_depend d on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass
                where r.ev_class = c.oid and d.refclassid = 'pg_class'::regclass
                  and d.refobjid = to_regclass('auth.users')) as reads_auth_users,
       array(select distinct case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end
               from aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
              where a.privilege_type = 'SELECT' and a.grantee <> c.relowner
              order by 1) as select_roles
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('v', 'm') and n.nspname = any(%(schemas)s::name[])
   and not exists (select 1 from pg_depend e
                    where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
 order by n.nspname, c.relname
