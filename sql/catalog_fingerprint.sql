-- A fingerprint of everything the bootstrap may create: compared before/after to prove idempotence.
select 'role' as kind, rolname || ':' || rolsuper::text || rolinherit::text || rolcanlogin::text || rolbypassrls::text || ':' ||
       coalesce(array_to_string(rolconfig, ','), '') as item
from pg_roles where rolname !~ '^pg_'
union all
select 'membership', r.rolname || '<-' || m.rolname from pg_auth_members am
  join pg_roles r on r.oid = am.roleid join pg_roles m on m.oid = am.member where r.rolname !~ '^pg_'
union all
select 'schema', nspname || ':' || pg_get_userbyid(nspowner) || ':' || coalesce(nspacl::text, '') from pg_namespace
union all
select 'relation', n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relrowsecurity::text || ':' ||
       coalesce(c.relacl::text, '') || ':' || pg_get_userbyid(c.relowner)
from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('auth', 'storage', 'realtime', 'supabase_migrations')
union all
select 'column', table_schema || '.' || table_name || '.' || column_name || ':' || data_type
from information_schema.columns where table_schema in ('auth', 'storage', 'realtime', 'supabase_migrations')
union all
select 'function', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || '):' ||
       md5(p.prosrc) || ':' || pg_get_userbyid(p.proowner)
from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('auth', 'storage', 'realtime')
union all
select 'publication', pubname || ':' || puballtables::text from pg_publication
order by 1, 2
