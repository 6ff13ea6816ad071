-- samia: realtime, on private channels (docs/realtime.md). Topics: chat:{session_id}
-- for a session's messages, typing and presence; chat:user:{user_id} for one user's
-- notifications. Realtime Authorization asks realtime.messages: SELECT = may receive, INSERT = may
-- send. Our policies answer only for our topics (any other topic is left to other policies) with
-- the same wrapped, indexed helpers as the table policies. Messages are broadcast by the database.
-- The session of a session topic (canonical lowercase uuid only: one topic per session), else null.
create or replace function chat_private.realtime_topic_session(p_topic text)
returns uuid
language sql immutable set search_path = ''
as $fn$
  select case when starts_with(p_topic, 'chat:')
                   and substr(p_topic, 6) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then substr(p_topic, 6)::uuid end
$fn$;

-- What the caller may do on a topic: 'receive', 'send_broadcast' or 'send_presence'. One indexed
-- lookup of the session (primary key) and of the caller's app role. Participants receive (closed
-- sessions too) and staff readers receive every session; sending needs an active session: a
-- broadcast whoever may post there (members who take part, admins), presence only participants
-- who may post, so that staff watching a session stay invisible. A user topic: its user receives.
create or replace function chat_private.realtime_allows(p_topic text, p_action text)
returns boolean
language plpgsql stable security definer set search_path = ''
as $fn$
declare
  v_uid uuid := auth.uid();
  v_session uuid := chat_private.realtime_topic_session(p_topic);
  v_member boolean;
  v_active boolean;
  v_role text;
begin
  if v_uid is null then
    return false;
  end if;
  if v_session is null then
    return coalesce(p_topic = 'chat:user:' || v_uid::text and p_action = 'receive', false);
  end if;
  select s.participants @> array[v_uid], s.status = 'active' into v_member, v_active
    from public.chat_sessions s where s.id = v_session;
  if not found then
    return false;
  end if;
  if p_action = 'receive' and v_member then
    return true;  -- a participant's join needs no role lookup
  end if;
  v_role := chat_private.app_role();
  return coalesce(case p_action
    when 'receive' then v_role = any (array['monitor', 'admin', 'super_admin']::text[])
    when 'send_broadcast' then v_active and ((v_member and v_role = any (array['client', 'reader']::text[]))
                                             or v_role = any (array['admin', 'super_admin']::text[]))
    when 'send_presence' then v_active and v_member and v_role = any (array['client', 'reader', 'admin', 'super_admin']::text[])
  end, false);
end
$fn$;

-- Notifications on user topics: one private broadcast per user (realtime.send never fails the write:
-- a broadcast that cannot be stored is a warning).
create or replace function chat_private.notify_users(p_users uuid[], p_event text, p_payload jsonb)
returns void
language plpgsql volatile set search_path = ''
as $fn$
begin
  perform realtime.send(p_payload, p_event, 'chat:user:' || u::text, true) from unnest(p_users) u;
end
$fn$;

create or replace function chat_private.broadcast_message_change()
returns trigger language plpgsql security definer set search_path = '' as $fn$
-- Each new, edited and (soft) deleted message goes to its session's topic, built from the columns the
-- app renders (payload.record); a deletion says only which message it was (payload.old_record). The
-- other participants' user topics hear of each new message, without its content.
declare
  v_row public.chat_messages := case when tg_op = 'DELETE' then old else new end;
  v_event text := case when tg_op = 'DELETE' or v_row.is_deleted then 'DELETE' else tg_op end;
begin
  if (tg_op = 'INSERT' and new.is_deleted) or (tg_op <> 'INSERT' and old.is_deleted) then
    return null;  -- the clients never had it, or removed it already
  end if;
  perform realtime.send(jsonb_build_object(
      'operation', v_event, 'table', tg_table_name, 'schema', tg_table_schema,
      'record', case when v_event <> 'DELETE' then jsonb_build_object('id', v_row.id, 'session_id', v_row.session_id, 'sender_id', v_row.sender_id, 'type', v_row.type, 'content', v_row.content, 'file_path', v_row.file_path, 'file_name', v_row.file_name, 'file_size', v_row.file_size, 'file_type', v_row.file_type, 'duration_seconds', v_row.duration_seconds, 'waveform_data', v_row.waveform_data, 'reply_to_message_id', v_row.reply_to_message_id, 'metadata', v_row.metadata, 'created_at', v_row.created_at, 'updated_at', v_row.updated_at) end,
      'old_record', case when v_event = 'DELETE' then jsonb_build_object('id', v_row.id, 'session_id', v_row.session_id, 'deleted_at', v_row.deleted_at) end),
    v_event, 'chat:' || v_row.session_id::text, true);
  if tg_op = 'INSERT' then
    perform chat_private.notify_users(
      array(select p from public.chat_sessions s, unnest(s.participants) p
            where s.id = v_row.session_id and p <> v_row.sender_id),
      'new_message', jsonb_build_object('session_id', v_row.session_id, 'message_id', v_row.id,
                                        'sender_id', v_row.sender_id, 'created_at', v_row.created_at));
  end if;
  return null;
end
$fn$;

create or replace function chat_private.broadcast_session_participants()
returns trigger language plpgsql security definer set search_path = '' as $fn$
-- A user added to or removed from a session hears of it on their user topic.
declare
  v_old uuid[] := case when tg_op = 'UPDATE' then old.participants else '{}' end;
begin
  perform chat_private.notify_users(array(select unnest(new.participants) except select unnest(v_old)),
                               'session_added', jsonb_build_object('session_id', new.id));
  perform chat_private.notify_users(array(select unnest(v_old) except select unnest(new.participants)),
                               'session_removed', jsonb_build_object('session_id', new.id));
  return null;
end
$fn$;

revoke all on function chat_private.realtime_topic_session(text), chat_private.realtime_allows(text, text)
  from public, anon, authenticated, service_role;
grant execute on function chat_private.realtime_topic_session(text), chat_private.realtime_allows(text, text)
  to authenticated, service_role;
revoke all on function chat_private.broadcast_message_change(), chat_private.broadcast_session_participants(),
  chat_private.notify_users(uuid[], text, jsonb) from public, anon, authenticated, service_role;

drop policy if exists chat_realtime_receive on realtime.messages;
drop policy if exists chat_realtime_send on realtime.messages;
drop trigger if exists chat_messages_broadcast on public.chat_messages;
drop trigger if exists chat_messages_broadcast_update on public.chat_messages;
drop trigger if exists chat_sessions_broadcast_participants on public.chat_sessions;
-- Receiving is decided on the channel's topic (Realtime sets realtime.topic to the topic of the rows
-- it asks about, and reads them by id); a row sent must be on that topic.
create policy chat_realtime_receive on realtime.messages
  as permissive for select to authenticated
  using (extension in ('broadcast', 'presence') and (select chat_private.realtime_allows((select realtime.topic()), 'receive')));
create policy chat_realtime_send on realtime.messages
  as permissive for insert to authenticated
  with check (topic = (select realtime.topic()) and ((extension = 'broadcast' and (select chat_private.realtime_allows((select realtime.topic()), 'send_broadcast')))
                              or (extension = 'presence' and (select chat_private.realtime_allows((select realtime.topic()), 'send_presence')))));

create trigger chat_messages_broadcast
  after insert or delete on public.chat_messages
  for each row execute function chat_private.broadcast_message_change();
create trigger chat_messages_broadcast_update
  after update of type, content, file_path, file_name, file_size, file_type, duration_seconds, waveform_data, reply_to_message_id, metadata, is_deleted on public.chat_messages
  for each row when ((old.type, old.content, old.file_path, old.file_name, old.file_size, old.file_type, old.duration_seconds, old.waveform_data, old.reply_to_message_id, old.metadata, old.is_deleted) is distinct from (new.type, new.content, new.file_path, new.file_name, new.file_size, new.file_type, new.duration_seconds, new.waveform_data, new.reply_to_message_id, new.metadata, new.is_deleted))
  execute function chat_private.broadcast_message_change();
create trigger chat_sessions_broadcast_participants
  after insert or update of participants on public.chat_sessions
  for each row execute function chat_private.broadcast_session_participants();

-- postgres_changes (the supabase_realtime publication) only when asked for: its DELETE events reach
-- every subscriber unfiltered by RLS, and the broadcasts above already carry every change.
do $publication$
declare
  v_table text;
  v_member boolean;
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime' and not puballtables) then
    foreach v_table in array array['chat_sessions', 'chat_messages'] loop
      v_member := exists (select 1 from pg_publication_tables
                          where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = v_table);
      if v_member then
        execute format('alter publication supabase_realtime drop table %I.%I', 'public', v_table);
      end if;
    end loop;
  end if;
end
$publication$;
