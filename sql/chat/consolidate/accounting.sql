-- Per legacy table: rows found in the archive, migrated (counted on the unified side), skipped
-- (listed with a reason). found = migrated + skipped is the proof that no row was lost. Runs with
-- the stand-ins of stand_ins.sql in place (rolled back), so that every table name resolves.
select src.name, src.found, src.migrated,
       (select count(*) from {archive}.samia_skipped k where k.source_table = src.name) skipped, src.target
  from (
  select 'chat_sessions' name, (select count(*) from {archive}.chat_sessions) found,
         (select count(*) from {schema}.chat_sessions t where t.metadata -> 'legacy' ->> 'source' = 'chat_sessions') migrated,
         'chat_sessions' target
  union all
  select t.name, t.found, coalesce(m.migrated, 0), 'chat_messages'
    from (select 'messages' name, (select count(*) from {archive}.messages) found
          union all select 'chat_messages', (select count(*) from {archive}.chat_messages)
          union all select 'voice_notes', (select count(*) from {archive}.voice_notes)) t
    left join (select metadata -> 'legacy' ->> 'source' source, count(*) migrated  -- one pass over the messages
                 from {schema}.chat_messages group by 1) m on m.source = t.name
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
         (select count(*) from {schema}.chat_monitoring t where t.metadata -> 'legacy' ->> 'source' = 'chat_monitoring')
         + (select count(*) from {schema}.chat_sessions s, jsonb_array_elements(s.metadata #> '{{legacy,events}}') e),
         'chat_monitoring; other types: chat_sessions.metadata.legacy.events'
  union all
  select 'chat_audit_logs', (select count(*) from {archive}.chat_audit_logs),
         (select count(*) from {schema}.chat_audit_logs t where t.metadata -> 'legacy' ->> 'source' = 'chat_audit_logs'),
         'chat_audit_logs'
  ) src
 where src.name = any (%(present)s)  -- tables the database had (the others are empty stand-ins here)
 order by 1;
