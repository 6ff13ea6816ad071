-- samia: the chat tables. Foreign keys keep PostgREST's default names (<table>_<column>_fkey).
-- Server-owned columns (ids, timestamps, read/delivery state, previews, deleted_at) are not granted
-- to API clients (110_grants) and are set by BEFORE triggers (050_triggers); every client-writable
-- column has a size check (the loop at the end adds the checks an older install lacks).
create table if not exists public.chat_sessions (
  id uuid primary key default gen_random_uuid(),
  participants uuid[] not null
    constraint chat_sessions_participants_check
    check (cardinality(participants) between 1 and 50 and array_position(participants, null) is null),
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  type text not null default 'direct'
    constraint chat_sessions_type_check check (type = any (array['direct', 'booking', 'support', 'group', 'emergency']::text[])),
  booking_id uuid,
  status text not null default 'active'
    constraint chat_sessions_status_check check (status = any (array['active', 'closed', 'archived']::text[])),
  title text constraint chat_sessions_title_check check (char_length(title) <= 200),
  last_message_at timestamptz,
  last_message_preview text,
  metadata jsonb not null default '{}'::jsonb
    constraint chat_sessions_metadata_check check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The layout of chat_messages (messages_partitioning, docs/partitioning.md) is chosen when the table
-- is created: "monthly" range-partitions it by created_at, which the server sets, and the primary key
-- and the reply link carry it (a partitioned table's unique keys must). Refuses to run over a table of
-- the other layout: converting is a data migration.
do $layout$
begin
  if exists (select 1 from pg_class c where c.oid = to_regclass('public.chat_messages')
                and (c.relkind = 'p') <> false) then
    raise exception 'chat_messages is partitioned; set messages_partitioning = "monthly" (docs/partitioning.md)'
      using errcode = '55000';
  end if;
end $layout$;

create table if not exists public.chat_messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  sender_id uuid not null references public.profiles (id) on delete cascade,
  type text not null default 'text'
    constraint chat_messages_type_check check (type = any (array['text', 'audio', 'image', 'file', 'video', 'system', 'emergency']::text[])),
  content text constraint chat_messages_content_check check (char_length(content) <= 10000),
  file_path text,
  file_url text,
  file_name text constraint chat_messages_file_name_check check (char_length(file_name) <= 255),
  file_size bigint
    constraint chat_messages_file_size_check check (file_size > 0 and file_size <= 10485760),
  file_type text
    constraint chat_messages_file_type_check check (
      lower(split_part(file_type, ';', 1)) = any (array['application/pdf', 'audio/mp4', 'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'image/gif', 'image/jpeg', 'image/png', 'image/webp', 'text/plain']::text[])
      or split_part(lower(file_type), '/', 1) || '/*' = any (array[]::text[])
    ),
  duration_seconds numeric(8, 2)
    constraint chat_messages_duration_check check (duration_seconds > 0 and duration_seconds <= 300),
  waveform_data jsonb,
  reply_to_message_id uuid references public.chat_messages (id) on delete set null,
  status text not null default 'sent'
    constraint chat_messages_status_check check (status = any (array['sent', 'delivered', 'read', 'failed']::text[])),
  is_delivered boolean not null default false,
  delivered_at timestamptz,
  read_at timestamptz,
  is_deleted boolean not null default false,
  deleted_at timestamptz,
  metadata jsonb not null default '{}'::jsonb
    constraint chat_messages_metadata_check check (jsonb_typeof(metadata) = 'object'),
  content_tsv tsvector generated always as (to_tsvector('simple'::regconfig, coalesce(content, ''))) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint chat_messages_text_has_content check (type <> 'text' or char_length(btrim(content)) > 0),
  constraint chat_messages_media_has_file check (
    type not in ('audio', 'image', 'file', 'video') or file_path is not null
  ),
  constraint chat_messages_audio_has_duration check (type <> 'audio' or duration_seconds is not null),
  constraint chat_messages_file_path_check check (
    file_path is null or (
      split_part(file_path, '/', 1) = session_id::text
      and split_part(file_path, '/', 2) = sender_id::text
      and split_part(file_path, '/', 3) <> ''
      and split_part(file_path, '/', 4) = ''
    )
  ),
  constraint chat_messages_deleted_check check (not is_deleted or deleted_at is not null),
  constraint chat_messages_read_check check (read_at is null or read_at >= created_at)
);

-- Append-only: no foreign keys, so that deleting a user or a session never rewrites history.
create table if not exists public.chat_audit_logs (
  id bigint generated always as identity primary key,
  user_id uuid,
  actor_role text,
  action text not null
    constraint chat_audit_logs_action_check check (action in ('insert', 'update', 'delete', 'mark_read')),
  table_schema text not null,
  table_name text not null,
  record_id text,
  session_id uuid,
  old_values jsonb,
  new_values jsonb,
  ip_address inet,
  user_agent text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

create table if not exists public.chat_monitoring (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  event_type text not null
    constraint chat_monitoring_event_type_check check (event_type = any (array['user_connected', 'user_disconnected', 'session_joined', 'session_left', 'typing_started', 'typing_stopped', 'message_flagged', 'error']::text[])),
  session_id uuid references public.chat_sessions (id) on delete cascade,
  metadata jsonb not null default '{}'::jsonb
    constraint chat_monitoring_metadata_check check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now()
);

-- Read state per participant: one cursor per (session, user). A message is read by a participant
-- when it was created at or before that participant's cursor; unread counts and receipts derive
-- from it, and marking a session read moves one row (mark_session_read).
create table if not exists public.chat_read_cursors (
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  read_at timestamptz not null default now(),
  primary key (session_id, user_id)
);

-- Checks added after the first release (sizes of every client-writable column, file names), added
-- to tables that predate them: one loop, each check created once under its own name.
do $checks$
declare
  v_check text[];
begin
  foreach v_check slice 1 in array array[
    ['chat_sessions', 'chat_sessions_metadata_size_check', 'octet_length(metadata::text) <= 8192'],
    ['chat_sessions', 'chat_sessions_last_message_preview_size_check', 'octet_length(last_message_preview::text) <= 600'],
    ['chat_messages', 'chat_messages_metadata_size_check', 'octet_length(metadata::text) <= 8192'],
    ['chat_messages', 'chat_messages_waveform_data_size_check', 'octet_length(waveform_data::text) <= 16384'],
    ['chat_messages', 'chat_messages_file_url_size_check', 'octet_length(file_url::text) <= 2048'],
    ['chat_messages', 'chat_messages_file_path_size_check', 'octet_length(file_path::text) <= 512'],
    ['chat_messages', 'chat_messages_file_type_size_check', 'octet_length(file_type::text) <= 255'],
    ['chat_monitoring', 'chat_monitoring_metadata_size_check', 'octet_length(metadata::text) <= 8192'],
    ['profiles', 'profiles_avatar_url_size_check', 'octet_length(avatar_url::text) <= 2048'],
    ['chat_messages', 'chat_messages_file_name_dots_check', 'file_name not in (''.'', ''..'') and split_part(file_path, ''/'', 3) not in (''.'', ''..'')']
  ] loop
    if not exists (
      select 1 from pg_constraint c
      where c.conrelid = format('%I.%I', 'public', v_check[1])::regclass and c.conname = v_check[2]
    ) then
      execute format('alter table %I.%I add constraint %I check (%s)', 'public', v_check[1], v_check[2], v_check[3]);
    end if;
  end loop;
end
$checks$;
