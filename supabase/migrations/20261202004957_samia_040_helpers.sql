-- samia: helper functions for policies. All `stable security definer` with a pinned search path
-- (`pg_catalog, pg_temp`: pg_temp named last, so it is never searched before pg_catalog); each
-- answers only about the caller (auth.uid() / the JWT), never about a user id passed in.
-- Those that query tables on the hot paths (app_role, my_session_ids, ...) are plpgsql: a security
-- definer function is never inlined, and a non-inlined SQL function re-plans its queries in every
-- statement, while plpgsql keeps the plans for the session (bench/rls: ~0.1 ms less per statement).
create or replace function chat_private.app_role()
returns text
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
begin
  return (select p.role from public.profiles p where p.id = auth.uid());
end
$fn$;
comment on function chat_private.app_role() is 'The caller''s application role (profiles), or null.';

-- The caller (auth.uid()); a request without a signed-in user fails with SQLSTATE 28000.
create or replace function chat_private.caller_id()
returns uuid
language plpgsql stable set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_uid constant uuid := auth.uid();
begin
  if v_uid is null then
    raise exception 'not authenticated' using errcode = '28000';
  end if;
  return v_uid;
end
$fn$;

create or replace function chat_private.has_role(p_roles text[])
returns boolean
language sql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
  select coalesce(chat_private.app_role() = any (p_roles), false)
$fn$;

create or replace function chat_private.is_admin()
returns boolean
language sql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
  select chat_private.has_role(array['admin', 'super_admin']::text[])
$fn$;

-- The caller's sessions (GIN on participants). Used as `session_id in (select ...my_session_ids())`,
-- which Postgres evaluates once per statement (hashed subplan), not once per row.
create or replace function chat_private.my_session_ids()
returns setof uuid
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
begin
  return query select s.id from public.chat_sessions s where s.participants @> array[auth.uid()];
end
$fn$;

create or replace function chat_private.my_session_folders()
returns setof text
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
begin
  return query select s.id::text from public.chat_sessions s where s.participants @> array[auth.uid()];
end
$fn$;

create or replace function chat_private.my_active_session_folders()
returns setof text
language sql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
  select s.id::text from public.chat_sessions s
  where s.participants @> array[auth.uid()] and s.status = 'active'
$fn$;

-- Users who share a session with the caller (to show names and avatars of chat partners).
create or replace function chat_private.my_contact_ids()
returns setof uuid
language sql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
  select distinct p from public.chat_sessions s, unnest(s.participants) p
  where s.participants @> array[auth.uid()]
$fn$;

create or replace function chat_private.is_participant(p_session_id uuid)
returns boolean
language sql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
  select exists (
    select 1 from public.chat_sessions s
    where s.id = p_session_id and s.participants @> array[auth.uid()]
  )
$fn$;

create or replace function chat_private.is_active_participant(p_session_id uuid)
returns boolean
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
begin
  return exists (
    select 1 from public.chat_sessions s
    where s.id = p_session_id and s.participants @> array[auth.uid()] and s.status = 'active'
  );
end
$fn$;

create or replace function chat_private.session_is_active(p_session_id uuid)
returns boolean
language plpgsql stable security definer set search_path = pg_catalog, pg_temp
as $fn$
begin
  return exists (select 1 from public.chat_sessions s where s.id = p_session_id and s.status = 'active')
    and auth.uid() is not null;
end
$fn$;

-- Where the request came from, as the edge vouches for it: the trusted header
-- (cf-connecting-ip), else the right-most x-forwarded-for entry (the one the proxy in front of the
-- API appended; every entry to its left is whatever the client sent). Never inet_client_addr() (the
-- pooler's). {"ip": …, "ip_source": header, "user_agent": …}; a value that is not one address is
-- kept, cut to 100 characters, as "ip_unparsed" (the audit row then says why its ip_address is null).
create or replace function chat_private.request_origin()
returns jsonb
language plpgsql stable set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_headers text := nullif(current_setting('request.headers', true), '');
  v_source text := 'cf-connecting-ip';
  v_raw text;
  v_agent text;
  v_ip inet;
begin
  if v_headers is null then
    return '{}'::jsonb;
  end if;
  begin  -- one subtransaction: headers that are not JSON, or an address that is not one
    v_agent := left(v_headers::jsonb ->> 'user-agent', 512);
    v_raw := btrim(v_headers::jsonb ->> v_source);
    if coalesce(v_raw, '') = '' then
      v_source := 'x-forwarded-for';
      v_raw := btrim(split_part(v_headers::jsonb ->> v_source, ',', -1));
    end if;
    if coalesce(v_raw, '') = '' then
      return jsonb_strip_nulls(jsonb_build_object('user_agent', v_agent));
    end if;
    v_ip := v_raw::inet;
  exception when others then
    v_ip := null;
    v_raw := coalesce(v_raw, v_headers);
  end;
  if v_ip is null or masklen(v_ip) <> (case family(v_ip) when 4 then 32 else 128 end) then
    return jsonb_strip_nulls(jsonb_build_object('ip_source', v_source, 'ip_unparsed', left(v_raw, 100),
                                                'user_agent', v_agent));
  end if;
  return jsonb_strip_nulls(jsonb_build_object('ip', host(v_ip), 'ip_source', v_source, 'user_agent', v_agent));
end
$fn$;

create or replace function chat_private.request_ip()
returns inet
language sql stable set search_path = pg_catalog, pg_temp
as $fn$
  select (chat_private.request_origin() ->> 'ip')::inet
$fn$;

create or replace function chat_private.request_user_agent()
returns text
language plpgsql stable set search_path = pg_catalog, pg_temp
as $fn$
begin
  return left(nullif(current_setting('request.headers', true), '')::jsonb ->> 'user-agent', 512);
exception when others then
  return null;
end
$fn$;
