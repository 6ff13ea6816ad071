-- Empty stand-ins for the legacy tables a database never had (a generation whose scripts did not
-- run, e.g. no unified era: no chat_audit_logs / chat_monitoring). The fill reads them as empty
-- tables of the legacy shape (shared/reference/legacy-samia.md); they are dropped before the fill
-- ends, so the archive holds only what the database had. `if not exists`: real tables are untouched.
create table if not exists {archive}.chat_sessions (
  id uuid primary key, booking_id uuid, client_id uuid, reader_id uuid, status text, locked_by uuid,
  locked_at timestamptz, client_text_chars_used integer, client_voice_seconds_used integer,
  client_images_sent integer, reader_voice_notes_sent integer, max_text_chars integer, max_voice_seconds integer,
  max_images integer, max_reader_voice_notes integer, created_at timestamptz, updated_at timestamptz,
  participants uuid[] not null default '{{}}'
);
create table if not exists {archive}.chat_notifications (
  id uuid primary key, booking_id uuid, user_id uuid, type text, message_id uuid, data jsonb, is_read boolean,
  created_at timestamptz
);
create table if not exists {archive}.voice_note_approvals (
  id uuid primary key, message_id uuid, reader_id uuid, booking_id uuid, status text, reviewed_by uuid,
  review_notes text, created_at timestamptz, updated_at timestamptz
);
create table if not exists {archive}.chat_messages (
  id uuid primary key, session_id uuid, sender_id uuid, message_type varchar(50), content text, file_url text,
  file_name text, file_size integer, duration_seconds integer, is_edited boolean, is_deleted boolean,
  edited_at timestamptz, read_at timestamptz, metadata jsonb, created_at timestamptz, updated_at timestamptz
);
create table if not exists {archive}.voice_notes (
  id uuid primary key, user_id uuid, file_url text, file_name varchar(255), file_size bigint, duration_seconds integer,
  transcription text, waveform_data jsonb, is_processed boolean, context_type varchar(50), context_id uuid,
  metadata jsonb, created_at timestamptz, updated_at timestamptz
);
create table if not exists {archive}.chat_audit_logs (
  id uuid primary key, user_id uuid, action text, table_name text, record_id uuid, session_id uuid,
  old_values jsonb, new_values jsonb, ip_address inet, user_agent text, "timestamp" timestamptz, metadata jsonb
);
create table if not exists {archive}.chat_monitoring (
  id uuid primary key, user_id uuid, session_id uuid, event_type text, "timestamp" timestamptz, metadata jsonb,
  ip_address inet, user_agent text, created_at timestamptz
);
