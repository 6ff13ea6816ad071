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
create or replace trigger chat_files_audit_write
  after insert or update on storage.objects
  for each row when (new.bucket_id = 'chat-files')
  execute function chat_private.audit_row('path');
create or replace trigger chat_files_audit_delete
  after delete on storage.objects
  for each row when (old.bucket_id = 'chat-files')
  execute function chat_private.audit_row('path');
