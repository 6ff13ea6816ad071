-- Functions of the chat schema (names like chat/session/message) and of the private helper schema.
select n.nspname::text as schema,
       p.proname::text as name,
       pg_get_function_identity_arguments(p.oid) as args,
       p.prosecdef as security_definer,
       (select substr(cfg, length('search_path=') + 1) from unnest(p.proconfig) cfg
         where cfg like 'search\_path=%%' limit 1) as search_path,
       l.lanname::text as language,
       case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end as volatility
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_language l on l.oid = p.prolang
 where p.prokind in ('f', 'p')
   and (n.nspname = %(private)s
        or (n.nspname = %(schema)s and (p.proname like '%%chat%%' or p.proname like '%%session%%'
                                        or p.proname like '%%message%%')))
   and not exists (select 1 from pg_depend e
                    where e.classid = 'pg_proc'::regclass and e.objid = p.oid and e.deptype = 'e')
 order by n.nspname, p.proname, 3
