-- Functions and procedures (not aggregates, not extension members). Parameter: %(schemas)s (text[]).
-- execute_roles: grantees of EXECUTE other than the owner; 'public' for PUBLIC (a null proacl
-- means the default: PUBLIC may execute).
select n.nspname as schema,
       p.proname as name,
       pg_get_function_identity_arguments(p.oid) as identity_args,
       coalesce(pg_get_function_result(p.oid), '') as returns,
       l.lanname as language,
       case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end as volatility,
       p.prosecdef as security_definer,
       (select substr(cfg, length('search_path=') + 1)
          from unnest(p.proconfig) as cfg where cfg like 'search_path=%%' limit 1) as search_path,
       pg_get_userbyid(p.proowner)::text as owner,
       array(select distinct case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end
               from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
              where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner
              order by 1) as execute_roles,
       p.prosrc as source,
       pg_get_functiondef(p.oid) as definition,
       p.prokind as kind
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_language l on l.oid = p.prolang
 where n.nspname = any(%(schemas)s::name[])
   and p.prokind in ('f', 'p')
   and not exists (select 1 from pg_depend e
                    where e.classid = 'pg_proc'::regclass and e.objid = p.oid and e.deptype = 'e')
 order by n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
