-- samia: the audit trail. One generic trigger function that never reads a column a table lacks
-- (it works on to_jsonb(row)), writes lowercase actions, and takes the client address from
-- request.headers. The log is append-only for every API role, service_role included.
create or replace function chat_private.audit_row()
returns trigger
language plpgsql security definer set search_path = ''
as $fn$
declare
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  v_row jsonb := coalesce(v_new, v_old);
  v_session text;
begin
  -- tg_argv[0] says where the session id is: a column name, or 'path' for storage objects.
  v_session := case tg_argv[0]
    when 'path' then split_part(v_row ->> 'name', '/', 1)
    else v_row ->> tg_argv[0]
  end;
  if v_session !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    v_session := null;
  end if;
  insert into public.chat_audit_logs
    (user_id, actor_role, action, table_schema, table_name, record_id, session_id,
     old_values, new_values, ip_address, user_agent)
  values
    (auth.uid(), coalesce(nullif(auth.role(), ''), current_user), lower(tg_op), tg_table_schema,
     tg_table_name, v_row ->> 'id', v_session::uuid, v_old, v_new,
     chat_private.request_ip(), chat_private.request_user_agent());
  return null;
end
$fn$;

create or replace function chat_private.audit_log_is_append_only()
returns trigger
language plpgsql set search_path = ''
as $fn$
begin
  raise exception 'chat_audit_logs is append-only' using errcode = '42501';
end
$fn$;

-- Audited columns only: read receipts and the last-message preview are not audit events.
create or replace trigger chat_sessions_audit
  after insert or delete or update of participants, title, status, type, booking_id, metadata
  on public.chat_sessions
  for each row execute function chat_private.audit_row('id');
create or replace trigger chat_messages_audit
  after insert or delete or update of content, is_deleted, deleted_at, type, file_path, file_name, file_type, metadata
  on public.chat_messages
  for each row execute function chat_private.audit_row('session_id');
create or replace trigger chat_audit_logs_append_only
  before update or delete on public.chat_audit_logs
  for each row execute function chat_private.audit_log_is_append_only();
create or replace trigger chat_audit_logs_no_truncate
  before truncate on public.chat_audit_logs
  for each statement execute function chat_private.audit_log_is_append_only();
-- Objects of the bucket, audited as the Storage API writes them: a remove runs as the user; an
-- upload, an overwrite and a move are finished by the service role. The actor is auth.uid() when a
-- user's JWT is in the transaction; else the user the request came from: the `sub` of the bearer
-- token in request.headers (the API keeps the request's headers for its service-role transaction,
-- and verified that token before any SQL ran; a service key has no sub); else, for a new object, its
-- owner_id (the API writes the uploader there). metadata says which. The client address comes from
-- request.headers too. Generated columns (path_tokens) are not stored.
create or replace function chat_private.audit_storage_object()
returns trigger
language plpgsql security definer set search_path = ''
as $fn$
declare
  v_generated text[] := array(select a.attname::text from pg_catalog.pg_attribute a
                               where a.attrelid = tg_relid and a.attgenerated <> '');
  v_old jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) - v_generated end;
  v_new jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) - v_generated end;
  v_row jsonb := coalesce(v_new, v_old);
  v_user uuid := auth.uid();
  v_via text;
  v_candidate text;
  v_session text := split_part(v_row ->> 'name', '/', 1);
  v_uuid constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
begin
  if v_user is null then
    begin  -- the request's bearer token: header.payload.signature, the payload base64url JSON
      v_candidate := split_part(substring(nullif(current_setting('request.headers', true), '')::jsonb
                                          ->> 'authorization' from '^[Bb]earer +(.+)$'), '.', 2);
      v_candidate := translate(v_candidate, '-_', '+/');
      v_candidate := v_candidate || repeat('=', (4 - length(v_candidate) % 4) % 4);
      v_candidate := convert_from(decode(v_candidate, 'base64'), 'UTF8')::jsonb ->> 'sub';
      v_via := 'request';
    exception when others then
      v_candidate := null;
    end;
    if v_candidate is null and tg_op = 'INSERT' then
      v_candidate := coalesce(v_new ->> 'owner_id', v_new ->> 'owner');
      v_via := 'owner_id';
    end if;
    if v_candidate ~ v_uuid then
      v_user := v_candidate::uuid;
    else
      v_via := null;
    end if;
  end if;
  if v_session !~ v_uuid then
    v_session := null;
  end if;
  insert into public.chat_audit_logs
    (user_id, actor_role, action, table_schema, table_name, record_id, session_id,
     old_values, new_values, ip_address, user_agent, metadata)
  values
    (v_user, coalesce(nullif(auth.role(), ''), current_user), lower(tg_op), tg_table_schema,
     tg_table_name, v_row ->> 'id', v_session::uuid, v_old, v_new,
     chat_private.request_ip(), chat_private.request_user_agent(),
     jsonb_strip_nulls(jsonb_build_object('storage_operation', nullif(current_setting('storage.operation', true), ''),
                                          'on_behalf_of', v_via)));
  return null;
end
$fn$;
-- a trigger function only: nobody calls it (a trigger fires without EXECUTE)
revoke all on function chat_private.audit_storage_object() from public, anon, authenticated, service_role;

create or replace trigger chat_files_audit_write
  after insert or update on storage.objects
  for each row when (new.bucket_id = 'chat-files')
  execute function chat_private.audit_storage_object();
create or replace trigger chat_files_audit_delete
  after delete on storage.objects
  for each row when (old.bucket_id = 'chat-files')
  execute function chat_private.audit_storage_object();
