-- samia: explicit grants (new public tables are no longer granted automatically). Each object's
-- grants are reset first, so a grant removed here is removed from the database. Nothing for anon.
-- Clients (authenticated) get per-column grants: never ids, timestamps, read or delivery state,
-- previews or deleted_at, which the server sets (050_triggers). service_role is the trusted backend.
revoke all on table public.chat_sessions, public.chat_messages, public.chat_audit_logs, public.chat_monitoring,
  public.chat_read_cursors from anon, authenticated, service_role;

grant select, delete on table public.chat_sessions to authenticated;
grant insert (participants, type, booking_id, title, metadata) on table public.chat_sessions to authenticated;
grant update (title, status, participants, type, booking_id, metadata) on table public.chat_sessions to authenticated;
grant select, insert, update, delete on table public.chat_sessions to service_role;

grant select, delete on table public.chat_messages to authenticated;
grant insert (session_id, sender_id, type, content, file_path, file_name, file_size, file_type, duration_seconds,
              waveform_data, reply_to_message_id, metadata) on table public.chat_messages to authenticated;
grant update (content, is_deleted, metadata) on table public.chat_messages to authenticated;
grant select, insert, update, delete on table public.chat_messages to service_role;

-- read cursors: written only by mark_session_read (security definer)
grant select on table public.chat_read_cursors to authenticated, service_role;

-- append-only for every API role: only the audit trigger (security definer) writes
grant select on table public.chat_audit_logs to authenticated, service_role;

grant select on table public.chat_monitoring to authenticated, service_role;
grant insert (user_id, event_type, session_id, metadata) on table public.chat_monitoring to authenticated;
grant insert on table public.chat_monitoring to service_role;

revoke all on table public.profiles from anon, authenticated, service_role;
grant select on table public.profiles to authenticated;
grant update (display_name, avatar_url) on table public.profiles to authenticated;
grant select, insert, update, delete on table public.profiles to service_role;

-- functions: Postgres grants EXECUTE to PUBLIC by default (and Supabase to anon): revoke first.
revoke all on function chat_private.app_role(), chat_private.caller_id(), chat_private.has_role(text[]), chat_private.is_admin(), chat_private.my_session_ids(), chat_private.my_session_folders(), chat_private.my_active_session_folders(), chat_private.my_contact_ids(), chat_private.is_participant(uuid), chat_private.is_active_participant(uuid), chat_private.session_is_active(uuid), chat_private.request_ip(), chat_private.request_origin(), chat_private.request_user_agent(), chat_private.count_request_row(text), chat_private.quotes_same_session(uuid, uuid), chat_private.mark_read(uuid), chat_private.unread_counts(), chat_private.my_sessions(), chat_private.set_updated_at(), chat_private.check_participants(), chat_private.guard_session_update(), chat_private.guard_message_update(), chat_private.touch_session_last_message(), chat_private.audit_row(), chat_private.audit_log_is_append_only(), chat_private.set_session_server_columns(), chat_private.set_message_server_columns(), chat_private.set_monitoring_server_columns(), chat_private.audit_statement(), public.create_chat_session(uuid[], text, text, uuid), public.mark_session_read(uuid), public.chat_unread_counts(), public.my_chat_sessions() from public, anon, authenticated, service_role;
-- helpers and RPCs: the API's signed-in users and the backend (never anon); trigger functions: nobody
grant execute on function chat_private.app_role(), chat_private.caller_id(), chat_private.has_role(text[]), chat_private.is_admin(), chat_private.my_session_ids(), chat_private.my_session_folders(), chat_private.my_active_session_folders(), chat_private.my_contact_ids(), chat_private.is_participant(uuid), chat_private.is_active_participant(uuid), chat_private.session_is_active(uuid), chat_private.request_ip(), chat_private.request_origin(), chat_private.request_user_agent(), chat_private.count_request_row(text), chat_private.quotes_same_session(uuid, uuid), chat_private.mark_read(uuid), chat_private.unread_counts(), chat_private.my_sessions(), public.create_chat_session(uuid[], text, text, uuid), public.mark_session_read(uuid), public.chat_unread_counts(), public.my_chat_sessions() to authenticated, service_role;
