-- Chat-related tables of %(schema)s (chat_*, profiles, legacy messages / voice_notes) with RLS flags,
-- policy counts and realtime membership. Row counts are exact and read separately.
select n.nspname::text as schema,
       c.relname::text as name,
       c.relrowsecurity as rls_enabled,
       c.relforcerowsecurity as rls_forced,
       (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies,
       exists (select 1 from pg_publication_tables pt
                where pt.pubname = 'supabase_realtime' and pt.schemaname = n.nspname
                  and pt.tablename = c.relname) as realtime
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = %(schema)s and c.relkind in ('r', 'p')
   and (c.relname like 'chat\_%%' or c.relname in ('profiles', 'messages', 'voice_notes'))
 order by c.relname
