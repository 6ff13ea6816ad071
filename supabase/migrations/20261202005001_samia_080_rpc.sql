-- samia: RPCs the app calls through PostgREST. None takes the caller's id: the caller is auth.uid().
-- Runs as the caller (security invoker): the insert policy decides, the caller is always a participant.
create or replace function public.create_chat_session(
  p_participants uuid[],
  p_title text default null,
  p_type text default 'direct',
  p_booking_id uuid default null
)
returns public.chat_sessions
language plpgsql volatile security invoker set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_uid constant uuid := chat_private.caller_id();
  v_row public.chat_sessions;
begin
  -- id, created_by and the timestamps are the server's (set_session_server_columns)
  insert into public.chat_sessions (participants, title, type, booking_id)
  values (
    (select array_agg(distinct p order by p) from unnest(array_append(coalesce(p_participants, '{}'), v_uid)) p),
    p_title, coalesce(p_type, 'direct'), p_booking_id
  )
  returning * into v_row;
  return v_row;
end
$fn$;

-- The RPCs below run as the caller (security invoker, so Supabase's advisors see no definer function
-- in the exposed schema); each calls one security definer helper in chat_private, which answers only
-- about auth.uid() and is not reachable through PostgREST.

-- Marks the session read for the caller: moves the caller's read cursor to now (one row, O(1) in
-- the number of messages; other participants' read state is untouched) and writes one audit row.
-- Returns 1 when the cursor moved, 0 when it was already there.
create or replace function chat_private.mark_read(p_session_id uuid)
returns integer
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_uid constant uuid := chat_private.caller_id();
  v_origin jsonb;
  v_moved integer;
begin
  if not exists (
    select 1 from public.chat_sessions s where s.id = p_session_id and s.participants @> array[v_uid]
  ) then
    raise exception 'not a participant of this chat session' using errcode = '42501';
  end if;
  insert into public.chat_read_cursors as c (session_id, user_id, read_at)
  values (p_session_id, v_uid, now())
  on conflict (session_id, user_id) do update set read_at = excluded.read_at where c.read_at < excluded.read_at;
  get diagnostics v_moved = row_count;
  if v_moved > 0 then
    v_origin := chat_private.request_origin();
    insert into public.chat_audit_logs
      (user_id, actor_role, action, table_schema, table_name, record_id, session_id, ip_address, user_agent, metadata)
    values
      (v_uid, coalesce(nullif(auth.role(), ''), 'authenticated'), 'mark_read', 'public', 'chat_read_cursors',
       p_session_id::text, p_session_id, (v_origin ->> 'ip')::inet, v_origin ->> 'user_agent',
       (v_origin - 'ip' - 'user_agent') || jsonb_build_object('read_at', now()));
  end if;
  return v_moved;
end $fn$;

create or replace function public.mark_session_read(p_session_id uuid)
returns integer
language sql volatile security invoker set search_path = pg_catalog, pg_temp
as $fn$
  select chat_private.mark_read(p_session_id)
$fn$;

-- Unread messages per session of the caller: messages others sent after the caller's read cursor
-- (none: every message), served by chat_messages_session_unread_idx (an index-only range scan).
create or replace function chat_private.unread_counts()
returns table (session_id uuid, unread bigint)
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_uid constant uuid := chat_private.caller_id();
begin
  return query
    select m.session_id, count(*)::bigint
    from public.chat_sessions s
    left join public.chat_read_cursors c on c.session_id = s.id and c.user_id = v_uid
    join public.chat_messages m
      on m.session_id = s.id and m.created_at > coalesce(c.read_at, '-infinity') and not m.is_deleted
    where s.participants @> array[v_uid] and m.sender_id <> v_uid
    group by m.session_id;
end
$fn$;

create or replace function public.chat_unread_counts()
returns table (session_id uuid, unread bigint)
language plpgsql stable security invoker set search_path = pg_catalog, pg_temp
as $fn$
begin
  return query select u.session_id, u.unread from chat_private.unread_counts() u;
end
$fn$;

-- The caller's sessions ("list my sessions"). `participants @> array[uid]` passed as a filter under
-- RLS cannot use the GIN index (array containment is not leakproof, so Postgres must apply the
-- policy first) and a policy that ORs in the staff check cannot either: a client's session list
-- would read every session. The definer helper applies exactly the client rule (own sessions
-- only, for every role) with the GIN index; order, limit and embeds are added by PostgREST.
create or replace function chat_private.my_sessions()
returns setof public.chat_sessions
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_uid constant uuid := chat_private.caller_id();
begin
  return query
    select s.* from public.chat_sessions s where s.participants @> array[v_uid];
end
$fn$;

create or replace function public.my_chat_sessions()
returns setof public.chat_sessions
language plpgsql stable security invoker set search_path = pg_catalog, pg_temp
as $fn$
begin
  return query select * from chat_private.my_sessions();
end
$fn$;
