-- samia: realtime, on private channels (docs/realtime.md). Topics: chat:{session_id}
-- for a session's messages, typing and presence; chat:user:{user_id} for one user's
-- notifications. Realtime Authorization asks realtime.messages: SELECT = may receive, INSERT = may
-- send. Our policies answer only for our topics (any other topic is left to other policies) with
-- the same wrapped, indexed helpers as the table policies. Messages are broadcast by the database.
-- The session of a session topic (canonical lowercase uuid only: one topic per session), else null.
create or replace function chat_private.realtime_topic_session(p_topic text)
returns uuid
language sql immutable set search_path = pg_catalog, pg_temp
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
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
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

-- Statement-level, over the statement's transition tables (bounded work: no row-level trigger on the
-- chat tables). Each new, edited and (soft) deleted message goes to its session's topic, built from
-- the columns the app renders (payload.record); a deletion says only which message it was
-- (payload.old_record). The other participants' user topics hear of each new message, without its
-- content. Rows the clients never had, or removed already, are not broadcast.
create or replace function chat_private.broadcast_message_rows()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp as $fn$
begin
  if tg_op = 'INSERT' then
    perform realtime.send(jsonb_build_object('operation', 'INSERT', 'table', tg_table_name,
        'schema', tg_table_schema, 'record', jsonb_build_object('id', n.id, 'session_id', n.session_id, 'sender_id', n.sender_id, 'type', n.type, 'content', n.content, 'file_path', n.file_path, 'file_name', n.file_name, 'file_size', n.file_size, 'file_type', n.file_type, 'duration_seconds', n.duration_seconds, 'waveform_data', n.waveform_data, 'reply_to_message_id', n.reply_to_message_id, 'metadata', n.metadata, 'created_at', n.created_at, 'updated_at', n.updated_at), 'old_record', null),
      'INSERT', 'chat:' || n.session_id::text, true)
    from new_rows n where not n.is_deleted;
    perform realtime.send(jsonb_build_object('session_id', n.session_id, 'message_id', n.id,
        'sender_id', n.sender_id, 'created_at', n.created_at),
      'new_message', 'chat:user:' || p::text, true)
    from new_rows n join public.chat_sessions s on s.id = n.session_id, unnest(s.participants) p
    where not n.is_deleted and p <> n.sender_id;
  elsif tg_op = 'UPDATE' then
    perform realtime.send(jsonb_build_object('operation', e.event, 'table', tg_table_name,
        'schema', tg_table_schema,
        'record', case when e.event = 'UPDATE' then jsonb_build_object('id', n.id, 'session_id', n.session_id, 'sender_id', n.sender_id, 'type', n.type, 'content', n.content, 'file_path', n.file_path, 'file_name', n.file_name, 'file_size', n.file_size, 'file_type', n.file_type, 'duration_seconds', n.duration_seconds, 'waveform_data', n.waveform_data, 'reply_to_message_id', n.reply_to_message_id, 'metadata', n.metadata, 'created_at', n.created_at, 'updated_at', n.updated_at) end,
        'old_record', case when e.event = 'DELETE' then jsonb_build_object('id', n.id, 'session_id', n.session_id, 'deleted_at', n.deleted_at) end),
      e.event, 'chat:' || n.session_id::text, true)
    from new_rows n join old_rows o on o.id = n.id,
         lateral (select case when n.is_deleted then 'DELETE' else 'UPDATE' end as event) e
    where not o.is_deleted and (o.type, o.content, o.file_path, o.file_name, o.file_size, o.file_type, o.duration_seconds, o.waveform_data, o.reply_to_message_id, o.metadata, o.is_deleted) is distinct from (n.type, n.content, n.file_path, n.file_name, n.file_size, n.file_type, n.duration_seconds, n.waveform_data, n.reply_to_message_id, n.metadata, n.is_deleted);
  else
    perform realtime.send(jsonb_build_object('operation', 'DELETE', 'table', tg_table_name,
        'schema', tg_table_schema, 'record', null, 'old_record', jsonb_build_object('id', o.id, 'session_id', o.session_id, 'deleted_at', o.deleted_at)),
      'DELETE', 'chat:' || o.session_id::text, true)
    from old_rows o where not o.is_deleted;
  end if;
  return null;
end
$fn$;

-- A user added to or removed from a session hears of it on their user topic (statement-level too).
create or replace function chat_private.broadcast_session_participants()
returns trigger language plpgsql security definer set search_path = pg_catalog, pg_temp as $fn$
begin
  if tg_op = 'INSERT' then
    perform realtime.send(jsonb_build_object('session_id', n.id), 'session_added',
                          'chat:user:' || u::text, true)
    from new_rows n, unnest(n.participants) u;
  else
    perform realtime.send(jsonb_build_object('session_id', c.id), c.event, 'chat:user:' || c.user_id::text, true)
    from (select n.id, u as user_id, case when u = any (o.participants) then null else 'session_added' end as event
          from new_rows n join old_rows o on o.id = n.id, unnest(n.participants) u
          union all
          select o.id, u, case when u = any (n.participants) then null else 'session_removed' end
          from old_rows o join new_rows n on n.id = o.id, unnest(o.participants) u) c
    where c.event is not null;
  end if;
  return null;
end
$fn$;

revoke all on function chat_private.realtime_topic_session(text), chat_private.realtime_allows(text, text)
  from public, anon, authenticated, service_role;
grant execute on function chat_private.realtime_topic_session(text), chat_private.realtime_allows(text, text)
  to authenticated, service_role;
revoke all on function chat_private.broadcast_message_rows(), chat_private.broadcast_session_participants()
  from public, anon, authenticated, service_role;

drop policy if exists chat_realtime_receive on realtime.messages;
drop policy if exists chat_realtime_send on realtime.messages;
drop trigger if exists chat_messages_broadcast on public.chat_messages;
drop trigger if exists chat_messages_broadcast_update on public.chat_messages;
drop trigger if exists chat_messages_broadcast_delete on public.chat_messages;
drop trigger if exists chat_sessions_broadcast_participants on public.chat_sessions;
drop trigger if exists chat_sessions_broadcast_participants_update on public.chat_sessions;
-- Receiving is decided on the channel's topic (Realtime sets realtime.topic to the topic of the rows
-- it asks about, and reads them by id); a row sent must be on that topic.
create policy chat_realtime_receive on realtime.messages
  as permissive for select to authenticated
  using (extension in ('broadcast', 'presence') and (select chat_private.realtime_allows((select realtime.topic()), 'receive')));
create policy chat_realtime_send on realtime.messages
  as permissive for insert to authenticated
  with check (topic = (select realtime.topic()) and ((extension = 'broadcast' and (select chat_private.realtime_allows((select realtime.topic()), 'send_broadcast')))
                              or (extension = 'presence' and (select chat_private.realtime_allows((select realtime.topic()), 'send_presence')))));

-- (transition tables: one event per trigger, no column list; the functions filter)
create trigger chat_messages_broadcast after insert on public.chat_messages
  referencing new table as new_rows for each statement execute function chat_private.broadcast_message_rows();
create trigger chat_messages_broadcast_update after update on public.chat_messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function chat_private.broadcast_message_rows();
create trigger chat_messages_broadcast_delete after delete on public.chat_messages
  referencing old table as old_rows for each statement execute function chat_private.broadcast_message_rows();
create trigger chat_sessions_broadcast_participants after insert on public.chat_sessions
  referencing new table as new_rows for each statement execute function chat_private.broadcast_session_participants();
create trigger chat_sessions_broadcast_participants_update after update on public.chat_sessions
  referencing old table as old_rows new table as new_rows
  for each statement execute function chat_private.broadcast_session_participants();

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
