-- Schemas the linter looks at (system and Supabase-managed schemas excluded, storage kept for its
-- policies), the schemas PostgREST exposes (pgrst.db_schemas on authenticator or this database), and
-- the server version. No parameters.
select
  array(select n.nspname::text from pg_namespace n
         where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
           and n.nspname not like 'pg\_temp\_%' and n.nspname not like 'pg\_toast\_temp\_%'
         order by n.nspname) as schemas,
  (select string_agg(substr(cfg, length('pgrst.db_schemas=') + 1), ',')
     from pg_db_role_setting s, unnest(s.setconfig) cfg
    where cfg like 'pgrst.db\_schemas=%'
      and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
      and (s.setrole = 0 or s.setrole = (select oid from pg_roles where rolname = 'authenticator'))
  ) as pgrst_db_schemas,
  current_setting('server_version_num')::int as server_version_num
