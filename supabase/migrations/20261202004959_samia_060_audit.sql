-- samia: the audit trail, and every trigger of the chat tables. The trigger functions never read a
-- column a table lacks (they work on to_jsonb(row)), write lowercase actions, and take the client
-- address from request.headers (request_origin). audit_row() is the row-level one (storage
-- objects); the chat tables use audit_statement(). The log is append-only for every API role,
-- service_role included.
create or replace function chat_private.audit_row()
returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp
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

-- The audit trail of the chat tables: one statement-level trigger per event (transition tables),
-- one set-based insert per statement, the request origin computed once. tg_argv[0] names the
-- session column, the others the columns an audit row never stores: generated ones (content_tsv)
-- and derived ones (the last-message preview), so that a write is not stored twice over. An update
-- is an audit event only when a stored column other than updated_at changed.
create or replace function chat_private.audit_statement()
returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_skip constant text[] := tg_argv[1:tg_nargs - 1];
  v_origin constant jsonb := chat_private.request_origin();
  v_changes jsonb[];  -- (old row, new row) pairs, flattened: [old1, new1, old2, new2, ...]
begin
  if current_setting('samia.audit_skip', true) = tg_table_name then
    return null;  -- derived state maintained by another trigger (touch_session_last_message)
  end if;
  if tg_op = 'INSERT' then
    v_changes := array(select x from new_rows n, lateral (values (null::jsonb), (to_jsonb(n) - v_skip)) v (x));
  elsif tg_op = 'UPDATE' then
    v_changes := array(select x from old_rows o join new_rows n on n.id = o.id,
                       lateral (values (to_jsonb(o) - v_skip), (to_jsonb(n) - v_skip)) v (x));
  else
    v_changes := array(select x from old_rows o, lateral (values (to_jsonb(o) - v_skip), (null::jsonb)) v (x));
  end if;
  insert into public.chat_audit_logs
    (user_id, actor_role, action, table_schema, table_name, record_id, session_id,
     old_values, new_values, ip_address, user_agent, metadata)
  select auth.uid(), coalesce(nullif(auth.role(), ''), current_user), lower(tg_op), tg_table_schema, tg_table_name,
         coalesce(c.new_values, c.old_values) ->> 'id', (coalesce(c.new_values, c.old_values) ->> tg_argv[0])::uuid,
         c.old_values, c.new_values, (v_origin ->> 'ip')::inet, v_origin ->> 'user_agent', v_origin - 'ip' - 'user_agent'
  from generate_subscripts(v_changes, 1) i,
       lateral (select v_changes[i] as old_values, v_changes[i + 1] as new_values) c
  where i % 2 = 1
    and (tg_op <> 'UPDATE' or (c.old_values - 'updated_at') is distinct from (c.new_values - 'updated_at'));
  return null;
end
$fn$;

create or replace function chat_private.audit_log_is_append_only()
returns trigger
language plpgsql set search_path = pg_catalog, pg_temp
as $fn$
begin
  raise exception 'chat_audit_logs is append-only' using errcode = '42501';
end
$fn$;

create or replace trigger chat_audit_logs_append_only
  before update or delete on public.chat_audit_logs
  for each row execute function chat_private.audit_log_is_append_only();
create or replace trigger chat_audit_logs_no_truncate
  before truncate on public.chat_audit_logs
  for each statement execute function chat_private.audit_log_is_append_only();
-- Every trigger of the chat tables: (table, name, timing and events, level and transition tables,
-- function call), created or replaced so that a changed definition converges; triggers of earlier
-- releases (timing "dropped") are dropped by name.
do $triggers$
declare
  v_trigger text[];
begin
  foreach v_trigger slice 1 in array array[array['chat_sessions', 'chat_sessions_check_participants', 'before insert or update of participants', 'for each row', 'chat_private.check_participants()']::text[], array['chat_sessions', 'chat_sessions_guard_update', 'before update', 'for each row', 'chat_private.guard_session_update()']::text[], array['chat_sessions', 'chat_sessions_server_columns', 'before insert or update', 'for each row', 'chat_private.set_session_server_columns()']::text[], array['chat_messages', 'chat_messages_guard_update', 'before update', 'for each row', 'chat_private.guard_message_update()']::text[], array['chat_messages', 'chat_messages_server_columns', 'before insert or update', 'for each row', 'chat_private.set_message_server_columns()']::text[], array['chat_monitoring', 'chat_monitoring_server_columns', 'before insert', 'for each row', 'chat_private.set_monitoring_server_columns()']::text[], array['chat_sessions', 'chat_sessions_set_updated_at', 'before update', 'for each row', 'chat_private.set_updated_at()']::text[], array['chat_messages', 'chat_messages_set_updated_at', 'before update', 'for each row', 'chat_private.set_updated_at()']::text[], array['profiles', 'profiles_set_updated_at', 'before update', 'for each row', 'chat_private.set_updated_at()']::text[], array['chat_sessions', 'chat_sessions_audit_insert', 'after insert', 'referencing new table as new_rows for each statement', 'chat_private.audit_statement(''id'', ''last_message_at'', ''last_message_preview'')']::text[], array['chat_messages', 'chat_messages_audit_insert', 'after insert', 'referencing new table as new_rows for each statement', 'chat_private.audit_statement(''session_id'', ''content_tsv'')']::text[], array['chat_messages', 'chat_messages_touch_session_insert', 'after insert', 'referencing new table as new_rows for each statement', 'chat_private.touch_session_last_message()']::text[], array['chat_sessions', 'chat_sessions_audit_update', 'after update', 'referencing old table as old_rows new table as new_rows for each statement', 'chat_private.audit_statement(''id'', ''last_message_at'', ''last_message_preview'')']::text[], array['chat_messages', 'chat_messages_audit_update', 'after update', 'referencing old table as old_rows new table as new_rows for each statement', 'chat_private.audit_statement(''session_id'', ''content_tsv'')']::text[], array['chat_messages', 'chat_messages_touch_session_update', 'after update', 'referencing old table as old_rows new table as new_rows for each statement', 'chat_private.touch_session_last_message()']::text[], array['chat_sessions', 'chat_sessions_audit_delete', 'after delete', 'referencing old table as old_rows for each statement', 'chat_private.audit_statement(''id'', ''last_message_at'', ''last_message_preview'')']::text[], array['chat_messages', 'chat_messages_audit_delete', 'after delete', 'referencing old table as old_rows for each statement', 'chat_private.audit_statement(''session_id'', ''content_tsv'')']::text[], array['chat_messages', 'chat_messages_touch_session_delete', 'after delete', 'referencing old table as old_rows for each statement', 'chat_private.touch_session_last_message()']::text[], array['chat_sessions', 'chat_sessions_audit', 'dropped', '', '']::text[], array['chat_messages', 'chat_messages_audit', 'dropped', '', '']::text[], array['chat_messages', 'chat_messages_touch_session', 'dropped', '', '']::text[]] loop
    if v_trigger[3] = 'dropped' then
      execute format('drop trigger if exists %I on %I.%I', v_trigger[2], 'public', v_trigger[1]);
    else
      execute format('create or replace trigger %I %s on %I.%I %s execute function %s',
                     v_trigger[2], v_trigger[3], 'public', v_trigger[1], v_trigger[4], v_trigger[5]);
    end if;
  end loop;
end
$triggers$;
-- Objects of the bucket, audited as the Storage API writes them: a remove runs as the user; an
-- upload, an overwrite and a move are finished by the service role. The actor is auth.uid() when a
-- user's JWT is in the transaction; else the user the request came from: the `sub` of the bearer
-- token in request.headers (the API keeps the request's headers for its service-role transaction,
-- and verified that token before any SQL ran; a service key has no sub); else, for a new object, its
-- owner_id (the API writes the uploader there). metadata says which. The client address comes from
-- request.headers too. Generated columns (path_tokens) are not stored.
create or replace function chat_private.audit_storage_object()
returns trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp
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
