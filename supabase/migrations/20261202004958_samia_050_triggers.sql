-- samia: integrity trigger functions: participant validity, column guards, server-owned columns, the
-- per-request row cap, timestamps, last-message preview. The triggers themselves: 060_audit.
create or replace function chat_private.set_updated_at()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
begin
  new.updated_at := now();
  return new;
end
$fn$;

-- Every participant must be an existing user; no duplicates, no nulls.
create or replace function chat_private.check_participants()
returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_missing uuid;
begin
  if (select count(distinct p) from unnest(new.participants) p) <> cardinality(new.participants) then
    raise exception 'chat session participants must be distinct' using errcode = '23514';
  end if;
  select p into v_missing from unnest(new.participants) p
  where not exists (select 1 from auth.users u where u.id = p) limit 1;
  if v_missing is not null then
    raise exception 'chat session participant % is not an existing user', v_missing using errcode = '23503';
  end if;
  return new;
end
$fn$;

-- API callers who are not admins may change only title and status of a session, and may close or
-- archive it but never make it active again (that would undo the "active session" rule for posting).
create or replace function chat_private.guard_session_update()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_free constant text[] := array['title', 'status', 'updated_at'];
begin
  if current_user in ('anon', 'authenticated') and not chat_private.is_admin() then
    if (to_jsonb(new) - v_free) is distinct from (to_jsonb(old) - v_free) then
      raise exception 'only the title and status of a chat session may be changed' using errcode = '42501';
    end if;
    if new.status = 'active' and old.status <> 'active' then
      raise exception 'only an admin can reopen a chat session' using errcode = '42501';
    end if;
  end if;
  return new;
end
$fn$;

-- API callers who are not admins may change only content (within the edit window) and the
-- deleted flag of their messages; a deleted message stays deleted.
create or replace function chat_private.guard_message_update()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_free constant text[] := array['content', 'content_tsv', 'is_deleted', 'deleted_at', 'updated_at'];
begin
  if current_user in ('anon', 'authenticated') and not chat_private.is_admin() then
    if (to_jsonb(new) - v_free) is distinct from (to_jsonb(old) - v_free) then
      raise exception 'only the content and the deleted flag of a message may be changed' using errcode = '42501';
    end if;
    if new.content is distinct from old.content
       and (old.is_deleted or old.created_at < now() - interval '15 minutes') then
      raise exception 'a message can be edited only within 15 minutes of sending' using errcode = '42501';
    end if;
    if old.is_deleted and not new.is_deleted then
      raise exception 'a deleted message cannot be restored' using errcode = '42501';
    end if;
  end if;
  return new;
end
$fn$;

-- A cap on the rows one API request writes to a table (100): counted per row,
-- keyed by the request's statement_timestamp(), so the statement fails at the first row over it
-- (a bulk POST never holds locks or fills the audit log with thousands of rows).
create or replace function chat_private.count_request_row(p_table text)
returns void
language plpgsql volatile set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_key constant text := 'samia.request_rows.' || p_table;
  v_stamp constant text := statement_timestamp()::text;
  v_seen text[] := string_to_array(nullif(current_setting(v_key, true), ''), '|');
  v_rows integer := case when v_seen[1] = v_stamp then v_seen[2]::integer else 0 end + 1;
begin
  if v_rows > 100 then
    raise exception 'at most 100 rows of % per request', p_table using errcode = '54000';
  end if;
  perform set_config(v_key, v_stamp || '|' || v_rows, true);
end
$fn$;

-- Server-owned columns. For API clients (anon, authenticated) the server sets ids, timestamps,
-- read and delivery state, previews and deleted_at whatever the request says (the column grants
-- already refuse them; this holds if a grant is ever widened). Ids never change, for anyone, and a
-- deleted session's id is retired for good: its deletion is in the append-only audit log, so no
-- new session can take it over (nor the files left under {session_id}/, nor a realtime topic
-- named after it).
create or replace function chat_private.set_session_server_columns()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
begin
  if tg_op = 'UPDATE' and new.id is distinct from old.id then
    raise exception 'the id of a chat session never changes' using errcode = '42501';
  end if;
  if current_user in ('anon', 'authenticated') then
    perform chat_private.count_request_row(tg_table_name);
    if tg_op = 'INSERT' then
      new.id := gen_random_uuid();
      new.created_by := auth.uid();
      new.created_at := now();
      new.status := 'active';
      new.last_message_at := null;
      new.last_message_preview := null;
    else
      new.created_by := old.created_by;
      new.created_at := old.created_at;
      new.last_message_at := old.last_message_at;
      new.last_message_preview := old.last_message_preview;
    end if;
  elsif tg_op = 'INSERT' and exists (  -- the trusted backend may choose an id, never a retired one
    select 1 from public.chat_audit_logs l  -- served by chat_audit_logs_record_idx
    where l.table_name = 'chat_sessions' and l.record_id = new.id::text and l.action = 'delete'
      and l.table_schema = 'public'
  ) then
    raise exception 'chat session id % belonged to a deleted session and is retired', new.id using errcode = '23505';
  end if;
  return new;
end
$fn$;

-- True when message p_reply is in session p_session and the caller can see it (runs as the caller:
-- a message of a session the caller is not in answers false, like one that does not exist).
create or replace function chat_private.quotes_same_session(p_reply uuid, p_session uuid)
returns boolean
language plpgsql stable set search_path = pg_catalog, pg_temp
as $fn$
begin
  return exists (select 1 from public.chat_messages m where m.id = p_reply and m.session_id = p_session);
end
$fn$;

-- A reply quotes a message of the same session (one the writer can see: no existence oracle);
-- `system` messages come from the server or an admin; file_url is the server's.
create or replace function chat_private.set_message_server_columns()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_client constant boolean := current_user in ('anon', 'authenticated');
begin
  if tg_op = 'UPDATE' and new.id is distinct from old.id then
    raise exception 'the id of a chat message never changes' using errcode = '42501';
  end if;
  if new.reply_to_message_id is not null
     and (tg_op = 'INSERT' or new.reply_to_message_id is distinct from old.reply_to_message_id)
     and not chat_private.quotes_same_session(new.reply_to_message_id, new.session_id) then
    raise exception 'a reply must quote a message of the same chat session' using errcode = '23503';
  end if;
  if v_client then
    perform chat_private.count_request_row(tg_table_name);
    if tg_op = 'INSERT' then
      if new.type = 'system' and not chat_private.is_admin() then
        raise exception 'system messages come from the server' using errcode = '42501';
      end if;
      new.id := gen_random_uuid();
      new.created_at := now();
      new.status := 'sent';
      new.is_delivered := false;
      new.delivered_at := null;
      new.read_at := null;
      new.is_deleted := false;
      new.file_url := null;
    else
      new.created_at := old.created_at;
      new.status := old.status;
      new.is_delivered := old.is_delivered;
      new.delivered_at := old.delivered_at;
      new.read_at := old.read_at;
      new.file_url := old.file_url;
    end if;
  end if;
  if not new.is_deleted then
    new.deleted_at := null;
  elsif tg_op = 'UPDATE' and old.is_deleted and v_client then
    new.deleted_at := old.deleted_at;
  elsif new.deleted_at is null or v_client then
    new.deleted_at := now();
  end if;
  return new;
end
$fn$;

create or replace function chat_private.set_monitoring_server_columns()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
begin
  if current_user in ('anon', 'authenticated') then
    perform chat_private.count_request_row(tg_table_name);
    new.id := gen_random_uuid();
    new.created_at := now();
  end if;
  return new;
end
$fn$;

-- The session's last-message time and preview follow its newest message that is not deleted,
-- recomputed once per statement (transition tables) for each session the statement touched:
-- the session row is locked only at the end of the statement, and an edited or deleted message
-- never stays readable in the preview.
create or replace function chat_private.touch_session_last_message()
returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_sessions uuid[];
begin
  -- a new preview is derived state, not an audit event: the session audit trigger skips it
  perform set_config('samia.audit_skip', 'chat_sessions', true);
  if tg_op = 'INSERT' then  -- new messages can only move the preview forward
    update public.chat_sessions s
       set last_message_at = n.created_at,
           last_message_preview = case when n.type = 'text' then left(n.content, 140) else '[' || n.type || ']' end
      from (select distinct on (r.session_id) r.session_id, r.created_at, r.type, r.content
              from new_rows r where not r.is_deleted order by r.session_id, r.created_at desc, r.id desc) n
     where s.id = n.session_id and (s.last_message_at is null or s.last_message_at <= n.created_at);
  elsif tg_op = 'UPDATE' then
    v_sessions := array(select n.session_id from new_rows n union select o.session_id from old_rows o);
  else
    v_sessions := array(select distinct o.session_id from old_rows o);
  end if;
  if tg_op <> 'INSERT' then  -- edits and deletes: the newest message that is not deleted
    update public.chat_sessions s
       set last_message_at = l.created_at, last_message_preview = l.preview
      from unnest(v_sessions) as t (id)
      left join lateral (
        select m.created_at, case when m.type = 'text' then left(m.content, 140) else '[' || m.type || ']' end as preview
        from public.chat_messages m
        where m.session_id = t.id and not m.is_deleted
        order by m.created_at desc, m.id desc
        limit 1
      ) l on true
     where s.id = t.id
       and (s.last_message_at, s.last_message_preview) is distinct from (l.created_at, l.preview);
  end if;
  perform set_config('samia.audit_skip', '', true);
  return null;
end
$fn$;
