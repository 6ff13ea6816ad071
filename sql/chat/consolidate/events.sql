-- Monitoring events: the legacy types mapped (typing_start/stop -> typing_started/stopped), a typing
-- notification becomes a typing_started event. A type the unified schema lacks (message_sent: the
-- message row records the send) is not guessed: the event is kept in its session's
-- metadata.legacy.events (id, type, user, time, metadata, address). The legacy timestamp, address
-- and user agent go to metadata.legacy.
create temp table samia_events on commit drop as
select m.*, case m.event_type when 'typing_start' then 'typing_started' when 'typing_stop' then 'typing_stopped'
              else m.event_type end mapped,
       exists (select 1 from {schema}.chat_sessions s where s.id = m.session_id) session_migrated,
       exists (select 1 from auth.users u where u.id = m.user_id) user_exists
  from {archive}.chat_monitoring m;
insert into {schema}.chat_monitoring (id, user_id, event_type, session_id, metadata, created_at)
select e.id, e.user_id, e.mapped, case when e.session_migrated then e.session_id end,
       case when jsonb_typeof(e.metadata) = 'object' then e.metadata else '{{}}'::jsonb end
         || jsonb_build_object('legacy', jsonb_strip_nulls(jsonb_build_object('source', 'chat_monitoring', 'event_type', e.event_type,
              'session_id', e.session_id, 'ip_address', e.ip_address, 'user_agent', e.user_agent, 'created_at', e.created_at))),
       coalesce(e."timestamp", e.created_at, now())
  from samia_events e
 where e.mapped = any (%(events)s) and e.user_exists;
update {schema}.chat_sessions s
   set metadata = jsonb_set(s.metadata, '{{legacy,events}}', coalesce(s.metadata #> '{{legacy,events}}', '[]'::jsonb) || f.events)
  from (select e.session_id, jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                 'id', e.id, 'event_type', e.event_type, 'user_id', e.user_id, 'at', coalesce(e."timestamp", e.created_at),
                 'metadata', e.metadata, 'ip_address', e.ip_address, 'user_agent', e.user_agent))
                 order by coalesce(e."timestamp", e.created_at), e.id) events
          from samia_events e
         where not e.mapped = any (%(events)s) and e.session_migrated
         group by e.session_id) f
 where s.id = f.session_id;
insert into {archive}.samia_skipped (source_table, source_id, reason)
select 'chat_monitoring', e.id::text,
       case when e.mapped = any (%(events)s) then 'no user'
            else 'no unified event type for ' || e.event_type || ', and no migrated session to keep it in' end
  from samia_events e
 where not (e.mapped = any (%(events)s) and e.user_exists) and not (not e.mapped = any (%(events)s) and e.session_migrated);

-- Notifications are derived data: new_message / voice_approved fold into their message's read
-- state (see staged.sql), chat_locked into the session's metadata.legacy lock, typing becomes an
-- event; a notification whose message or session was not migrated is listed.
insert into {schema}.chat_monitoring (id, user_id, event_type, session_id, metadata, created_at)
select n.id, n.user_id, 'typing_started', s.id,
       jsonb_build_object('legacy', jsonb_strip_nulls(jsonb_build_object('source', 'chat_notifications', 'type', n.type,
                                                                         'data', n.data, 'is_read', n.is_read))),
       coalesce(n.created_at, now())
  from {archive}.chat_notifications n
  left join {schema}.chat_sessions s on s.booking_id = n.booking_id
 where n.type = 'typing' and exists (select 1 from auth.users u where u.id = n.user_id);
insert into {archive}.samia_skipped (source_table, source_id, reason)
select 'chat_notifications', n.id::text,
       case when n.type in ('new_message', 'voice_approved') then 'its message was not migrated'
            when n.type = 'chat_locked' then 'its session was not migrated'
            when n.type = 'typing' then 'no user'
            else 'unknown notification type ' || n.type end
  from {archive}.chat_notifications n
 where not (n.type in ('new_message', 'voice_approved')
            and exists (select 1 from {schema}.chat_messages t where t.id = n.message_id))
   and not (n.type = 'chat_locked' and exists (select 1 from {schema}.chat_sessions t where t.booking_id = n.booking_id))
   and not (n.type = 'typing' and exists (select 1 from {schema}.chat_monitoring t where t.id = n.id));

-- Voice-note approvals: the approval workflow is not part of the unified schema (kept in the archive).
insert into {archive}.samia_skipped (source_table, source_id, reason)
select 'voice_note_approvals', a.id::text, 'the approval workflow is not part of the unified schema'
  from {archive}.voice_note_approvals a;

-- Audit rows, kept as history: actions lowercased, the session derived from the audited row, the
-- legacy id, action and address (the connection's, not the client's) in metadata.legacy.
insert into {schema}.chat_audit_logs (user_id, action, table_schema, table_name, record_id, session_id, old_values,
                                      new_values, ip_address, user_agent, metadata, created_at)
select a.user_id, lower(a.action), %(schema_name)s, a.table_name, a.record_id::text,
       coalesce(a.session_id, case a.table_name when 'chat_sessions' then a.record_id
         when 'chat_messages' then c.session_id when 'chat_monitoring' then m.session_id end),
       a.old_values, a.new_values, null, a.user_agent,
       case when jsonb_typeof(a.metadata) = 'object' then a.metadata else '{{}}'::jsonb end
         || jsonb_build_object('legacy', jsonb_strip_nulls(jsonb_build_object('source', 'chat_audit_logs', 'id', a.id,
              'action', a.action, 'ip_address', a.ip_address))),
       coalesce(a."timestamp", now())
  from {archive}.chat_audit_logs a
  left join {archive}.chat_messages c on a.table_name = 'chat_messages' and c.id = a.record_id
  left join {archive}.chat_monitoring m on a.table_name = 'chat_monitoring' and m.id = a.record_id
 where lower(a.action) in ('insert', 'update', 'delete');
insert into {archive}.samia_skipped (source_table, source_id, reason)
select 'chat_audit_logs', a.id::text, 'unknown audit action ' || a.action
  from {archive}.chat_audit_logs a where lower(a.action) not in ('insert', 'update', 'delete');
