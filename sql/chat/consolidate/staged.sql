-- Every legacy message, from its three sources, in one shape, with the reason it cannot be
-- migrated (null: it is). Read state: messages.is_read or a read new_message notification (no
-- time was kept: read_at = created_at, marked estimated); chat_messages.read_at (never before
-- created_at). voice -> audio, or file when the duration is missing or out of range. Stored
-- public URLs are not kept: the object (bucket, name) is, and the new path
-- <session_id>/<sender_id>/<filename> is computed here.
create temp table samia_staged on commit drop as
with sources as (
  select 'messages'::text source, m.id, coalesce(s.id, md5('samia-booking-session:' || m.booking_id)::uuid) session_id,
         m.sender_id, m.type legacy_type, m.content, m.file_url, m.file_name, m.file_size::bigint file_size,
         m.duration_seconds::numeric duration, null::jsonb waveform, false is_deleted, null::timestamptz deleted_at,
         case when m.is_read or n.read then m.created_at end read_at, m.created_at,
         m.metadata legacy_metadata, null::text mime_hint,
         jsonb_strip_nulls(jsonb_build_object('booking_id', m.booking_id, 'read_at_estimated', nullif(m.is_read or coalesce(n.read, false), false),
           'notification_read', n.read, 'is_approved', nullif(m.is_approved, true), 'approved_by', m.approved_by,
           'approved_at', m.approved_at, 'flagged', nullif(m.flagged, false), 'flagged_reason', m.flagged_reason,
           'reply_to', m.reply_to)) legacy
    from {archive}.messages m
    left join {archive}.chat_sessions s on s.booking_id = m.booking_id
    left join (select message_id, bool_or(is_read) read from {archive}.chat_notifications
                where type in ('new_message', 'voice_approved') and message_id is not null group by message_id) n
      on n.message_id = m.id
  union all
  select 'chat_messages', c.id, c.session_id, c.sender_id, c.message_type, c.content, c.file_url, c.file_name, c.file_size,
         c.duration_seconds, null, coalesce(c.is_deleted, false),
         case when c.is_deleted then coalesce(c.edited_at, c.updated_at, c.created_at) end,
         case when c.read_at is not null then greatest(c.read_at, c.created_at) end, c.created_at, c.metadata,
         c.metadata ->> 'mime',
         jsonb_strip_nulls(jsonb_build_object('is_edited', nullif(c.is_edited, false), 'edited_at', c.edited_at))
    from {archive}.chat_messages c
  union all
  select 'voice_notes', v.id,
         case v.context_type when 'chat' then v.context_id
           when 'reading' then coalesce((select s.id from {archive}.chat_sessions s where s.booking_id = v.context_id),
                                        md5('samia-booking-session:' || v.context_id)::uuid) end,
         v.user_id, 'voice', null, v.file_url, v.file_name, v.file_size, v.duration_seconds, v.waveform_data, false, null,
         null, v.created_at, v.metadata, null,
         jsonb_strip_nulls(jsonb_build_object('context_type', v.context_type, 'context_id', v.context_id,
           'transcription', v.transcription, 'is_processed', v.is_processed))
    from {archive}.voice_notes v
), located as (
  -- <host>/storage/v1/object/(public, sign or authenticated)/<bucket>/<name>[?…][#…]: string functions,
  -- not a regular expression; each step is fenced (offset 0) so that later steps read its columns
  -- instead of recomputing the expressions once per reference
  select src.*, case when split_part(u.after, '/', 1) in ('public', 'sign', 'authenticated')
                     then split_part(split_part(substr(u.after, length(split_part(u.after, '/', 1)) + 2), '?', 1), '#', 1)
                end object_path
    from sources src
    cross join lateral (select substr(src.file_url, nullif(strpos(src.file_url, '/storage/v1/object/'), 0) + 19) after
                         offset 0) u
  offset 0
), shaped as (
  select l.*, nullif(split_part(l.object_path, '/', 1), '') legacy_bucket,
         nullif(substr(l.object_path, length(split_part(l.object_path, '/', 1)) + 2), '') legacy_name,
         case l.legacy_type when 'voice' then
                case when l.duration > 0 and l.duration <= %(voice_max)s then 'audio' else 'file' end
              when 'text' then 'text' when 'image' then 'image' when 'file' then 'file' when 'system' then 'system' end new_type
    from located l
  offset 0
)
select sh.*, o.metadata ->> 'mimetype' object_mime, o.id object_id,
       case when sh.legacy_name is not null then
         sh.session_id || '/' || sh.sender_id || '/' || reverse(split_part(reverse(sh.legacy_name), '/', 1)) end file_path,
       case
         when sh.session_id is null then 'no chat session (' || coalesce(sh.legacy->>'context_type', 'session_id is null') || ')'
         when not exists (select 1 from {schema}.chat_sessions t where t.id = sh.session_id) then 'its session was not migrated'
         when sh.sender_id is null then 'no sender'
         when not exists (select 1 from {schema}.profiles p where p.id = sh.sender_id) then 'the sender has no profile'
         when sh.new_type is null then 'unknown message type ' || coalesce(sh.legacy_type, 'null')
         when sh.new_type = 'text' and coalesce(btrim(sh.content), '') = '' then 'an empty text message'
         when char_length(sh.content) > 10000 then 'content longer than 10000 characters'
         when sh.new_type in ('audio', 'image', 'file') and sh.file_url is null then 'an attachment without a file'
         when sh.new_type in ('audio', 'image', 'file') and sh.legacy_name is null then 'an attachment outside Storage'
       end skip_reason
  from shaped sh
  left join storage.objects o on o.bucket_id = sh.legacy_bucket and o.name = sh.legacy_name;
