-- samia: RPCs the app calls through PostgREST. None takes the caller's id: the caller is auth.uid().
-- Runs as the caller (security invoker): the insert policy decides, the caller is always a participant.
create or replace function public.create_chat_session(
  p_participants uuid[],
  p_title text default null,
  p_type text default 'direct',
  p_booking_id uuid default null
)
returns public.chat_sessions
language plpgsql volatile security invoker set search_path = ''
as $fn$
declare
  v_uid uuid := auth.uid();
  v_row public.chat_sessions;
begin
  if v_uid is null then
    raise exception 'not authenticated' using errcode = '28000';
  end if;
  insert into public.chat_sessions (participants, created_by, title, type, booking_id)
  values (
    (select array_agg(distinct p order by p) from unnest(array_append(coalesce(p_participants, '{}'), v_uid)) p),
    v_uid, p_title, coalesce(p_type, 'direct'), p_booking_id
  )
  returning * into v_row;
  return v_row;
end
$fn$;

-- Marks as read the messages others sent in one of the caller's sessions; one audit row per call.
create or replace function public.mark_session_read(p_session_id uuid)
returns integer
language plpgsql volatile security definer set search_path = ''
as $fn$
declare
  v_uid uuid := auth.uid();
  v_count integer;
begin
  if v_uid is null then
    raise exception 'not authenticated' using errcode = '28000';
  end if;
  if not exists (
    select 1 from public.chat_sessions s where s.id = p_session_id and s.participants @> array[v_uid]
  ) then
    raise exception 'not a participant of this chat session' using errcode = '42501';
  end if;
  update public.chat_messages m
     set read_at = now(), is_delivered = true, delivered_at = coalesce(m.delivered_at, now()), status = 'read'
   where m.session_id = p_session_id and m.sender_id <> v_uid and m.read_at is null and not m.is_deleted;
  get diagnostics v_count = row_count;
  if v_count > 0 then
    insert into public.chat_audit_logs
      (user_id, actor_role, action, table_schema, table_name, record_id, session_id, ip_address, user_agent, metadata)
    values
      (v_uid, coalesce(nullif(auth.role(), ''), 'authenticated'), 'mark_read', 'public', 'chat_messages',
       p_session_id::text, p_session_id, chat_private.request_ip(), chat_private.request_user_agent(),
       jsonb_build_object('messages_marked', v_count));
  end if;
  return v_count;
end
$fn$;

-- Unread messages per session of the caller (served by chat_messages_unread_idx).
create or replace function public.chat_unread_counts()
returns table (session_id uuid, unread bigint)
language plpgsql stable security definer set search_path = ''
as $fn$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception 'not authenticated' using errcode = '28000';
  end if;
  return query
    select m.session_id, count(*)::bigint
    from public.chat_messages m
    where m.session_id in (select s.id from public.chat_sessions s where s.participants @> array[v_uid])
      and m.read_at is null and not m.is_deleted and m.sender_id <> v_uid
    group by m.session_id;
end
$fn$;

-- The caller's sessions ("list my sessions"). `participants @> array[uid]` passed as a filter under
-- RLS cannot use the GIN index (array containment is not leakproof, so Postgres must apply the
-- policy first) and a policy that ORs in the staff check cannot either: a client's session list
-- would read every session. This definer function applies exactly the client rule (own sessions
-- only, for every role) with the GIN index; order, limit and embeds are added by PostgREST.
create or replace function public.my_chat_sessions()
returns setof public.chat_sessions
language plpgsql stable security definer set search_path = ''
as $fn$
declare
  v_uid uuid := auth.uid();
begin
  if v_uid is null then
    raise exception 'not authenticated' using errcode = '28000';
  end if;
  return query
    select s.* from public.chat_sessions s where s.participants @> array[v_uid];
end
$fn$;
