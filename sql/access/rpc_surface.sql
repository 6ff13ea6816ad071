-- Functions of the exposed schema a role may execute, and whether they look like they trust a
-- caller id passed as an argument (security definer + a uuid argument named like a user).
select p.proname as name,
       p.prosecdef as security_definer,
       coalesce(bool_or(a.type = 'uuid'::regtype and a.name ~* '(user|sender|owner|author|actor|uid|member)'), false)
         as takes_user_id
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
left join lateral unnest(coalesce(p.proargnames, '{}'::text[]), p.proargtypes::oid[]) as a(name, type) on true
where n.nspname = %(schema)s
  and p.prokind = 'f'
  and has_function_privilege(%(role)s, p.oid, 'EXECUTE')
group by p.oid, p.proname, p.prosecdef
order by p.proname
