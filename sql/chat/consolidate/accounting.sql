-- Per legacy table: rows found in the archive, migrated (counted on the unified side), skipped
-- (listed with a reason). found = migrated + skipped is the proof that no row was lost.
select src.name, src.found, src.migrated,
       (select count(*) from {archive}.samia_skipped k where k.source_table = src.name) skipped, src.target
  from (
  select 'chat_sessions' name, (select count(*) from {archive}.chat_sessions) found,
         (select count(*) from {schema}.chat_sessions t where t.metadata -> 'legacy' ->> 'source' = 'chat_sessions') migrated,
         'chat_sessions' target
  union all
  select t.name, t.found, (select count(*) from {schema}.chat_messages m where m.metadata -> 'legacy' ->> 'source' = t.name),
         'chat_messages'
    from (select 'messages' name, (select count(*) from {archive}.messages) found
          union all select 'chat_messages', (select count(*) from {archive}.chat_messages)
          union all select 'voice_notes', (select count(*) from {archive}.voice_notes)) t
  union all
  select 'chat_notifications', (select count(*) from {archive}.chat_notifications),
         (select count(*) from {archive}.chat_notifications n
           where (n.type in ('new_message', 'voice_approved') and exists (select 1 from {schema}.chat_messages t where t.id = n.message_id))
              or (n.type = 'chat_locked' and exists (select 1 from {schema}.chat_sessions t where t.booking_id = n.booking_id))
              or (n.type = 'typing' and exists (select 1 from {schema}.chat_monitoring t where t.id = n.id))),
         'chat_messages (read state), chat_sessions (lock), chat_monitoring (typing)'
  union all
  select 'voice_note_approvals', (select count(*) from {archive}.voice_note_approvals), 0, '-'
  union all
  select 'chat_monitoring', (select count(*) from {archive}.chat_monitoring),
         (select count(*) from {schema}.chat_monitoring t where t.metadata -> 'legacy' ->> 'source' = 'chat_monitoring'),
         'chat_monitoring'
  union all
  select 'chat_audit_logs', (select count(*) from {archive}.chat_audit_logs),
         (select count(*) from {schema}.chat_audit_logs t where t.metadata -> 'legacy' ->> 'source' = 'chat_audit_logs'),
         'chat_audit_logs'
  ) src
 where to_regclass(%(archive_name)s || '.' || src.name) is not null
 order by 1;
