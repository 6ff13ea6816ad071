-- samia: indexes. Every foreign key and every policy column is indexed.
-- "participants contains me" (participants @> array[uid]) is served by GIN.
create index if not exists chat_sessions_participants_gin on public.chat_sessions using gin (participants);
create index if not exists chat_sessions_last_message_at_idx on public.chat_sessions (last_message_at desc nulls last, id);
create index if not exists chat_sessions_created_by_idx on public.chat_sessions (created_by);
create index if not exists chat_sessions_booking_id_idx on public.chat_sessions (booking_id);
create index if not exists chat_sessions_status_idx on public.chat_sessions (status);

-- message pages: where session_id = $1 order by created_at desc, id desc (keyset)
create index if not exists chat_messages_session_created_idx on public.chat_messages (session_id, created_at desc, id desc);
create index if not exists chat_messages_sender_id_idx on public.chat_messages (sender_id);
create index if not exists chat_messages_reply_to_idx on public.chat_messages (reply_to_message_id);
-- newest first across sessions (admin lists); session_id is included so that per-session counts over
-- a time window (the admin dashboard) are an index-only scan. Replaces chat_messages_created_at_idx:
-- built first, then the old one is dropped (the drop's lock is held only to the end of the apply).
create index if not exists chat_messages_created_at_session_idx on public.chat_messages (created_at desc, id desc)
  include (session_id);
drop index if exists public.chat_messages_created_at_idx;
-- unread: messages of a session after the caller's read cursor (chat_unread_counts()), an index-only
-- scan (sender_id included). Replaces the per-message chat_messages_unread_idx (read_at is null).
create index if not exists chat_messages_session_unread_idx on public.chat_messages (session_id, created_at)
  include (sender_id) where not is_deleted;
drop index if exists public.chat_messages_unread_idx;
create index if not exists chat_messages_content_tsv_gin on public.chat_messages using gin (content_tsv);

create index if not exists chat_audit_logs_session_created_idx on public.chat_audit_logs (session_id, created_at desc);
create index if not exists chat_audit_logs_user_created_idx on public.chat_audit_logs (user_id, created_at desc);
create index if not exists chat_audit_logs_record_idx on public.chat_audit_logs (table_name, record_id);
create index if not exists chat_audit_logs_created_at_idx on public.chat_audit_logs (created_at desc);

create index if not exists chat_read_cursors_user_id_idx on public.chat_read_cursors (user_id);

create index if not exists chat_monitoring_user_created_idx on public.chat_monitoring (user_id, created_at desc);
create index if not exists chat_monitoring_session_created_idx on public.chat_monitoring (session_id, created_at desc);
create index if not exists chat_monitoring_event_created_idx on public.chat_monitoring (event_type, created_at desc);
