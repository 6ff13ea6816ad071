-- What the chat schema created, counted from the catalogs (not from what we meant to create).
select
  (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = %(schema)s and c.relkind in ('r', 'p')
      and c.relname in ('chat_sessions', 'chat_messages', 'chat_audit_logs', 'chat_monitoring', 'chat_read_cursors')) as chat_tables,
  (select count(*) from pg_indexes where schemaname = %(schema)s
    and tablename in ('chat_sessions', 'chat_messages', 'chat_audit_logs', 'chat_monitoring', 'chat_read_cursors')) as chat_indexes,
  (select count(*) from pg_policies where schemaname = %(schema)s
    and tablename in ('chat_sessions', 'chat_messages', 'chat_audit_logs', 'chat_monitoring', 'chat_read_cursors')) as chat_policies,
  (select count(*) from pg_policies where schemaname = 'storage' and tablename = 'objects'
    and policyname like 'chat\_files\_%%') as storage_policies,
  (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in (%(schema)s, %(private)s) and p.prosecdef) as security_definer_functions,
  (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = %(private)s) as helper_functions,
  (select count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal and ((n.nspname = %(schema)s and c.relname like 'chat\_%%')
      or (n.nspname = 'storage' and t.tgname like 'chat\_files\_%%'))) as triggers,
  (select count(*) from pg_publication_tables where pubname = 'supabase_realtime'
    and schemaname = %(schema)s) as realtime_tables,
  (select count(*) from storage.buckets where id = %(bucket)s and not public) as private_buckets
