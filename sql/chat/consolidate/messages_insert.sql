-- The unified messages from the staged rows. Every target column of chat_messages is named here
-- and only here (read state included: adapt this file when the read state moves).
insert into {schema}.chat_messages (id, session_id, sender_id, type, content, file_path, file_name, file_size, file_type,
                                    duration_seconds, waveform_data, status, is_delivered, delivered_at, read_at,
                                    is_deleted, deleted_at, metadata, created_at, updated_at)
select st.id, st.session_id, st.sender_id, st.new_type, st.content, st.file_path,
       left(coalesce(st.file_name, reverse(split_part(reverse(st.legacy_name), '/', 1))), 255),
       case when st.file_size > 0 and st.file_size <= %(size_limit)s then st.file_size end,
       case when lower(split_part(coalesce(st.object_mime, st.mime_hint), ';', 1)) = any (%(mime_exact)s)
              or split_part(lower(coalesce(st.object_mime, st.mime_hint)), '/', 1) || '/*' = any (%(mime_wild)s)
            then coalesce(st.object_mime, st.mime_hint) end,
       case when st.new_type = 'audio' then st.duration end,
       case when jsonb_typeof(st.waveform) = 'array' then st.waveform end,
       case when st.read_at is not null then 'read' else 'sent' end, st.read_at is not null, st.read_at, st.read_at,
       st.is_deleted, st.deleted_at,
       case when jsonb_typeof(st.legacy_metadata) = 'object' then st.legacy_metadata else '{{}}'::jsonb end
         || jsonb_build_object('legacy', st.legacy || jsonb_strip_nulls(jsonb_build_object(
              'source', st.source, 'type', st.legacy_type,
              'metadata', case when jsonb_typeof(st.legacy_metadata) <> 'object' then st.legacy_metadata end,
              'file_size', case when not (st.file_size > 0 and st.file_size <= %(size_limit)s) then st.file_size end,
              'duration_seconds', case when st.new_type <> 'audio' then st.duration end,
              'mimetype', coalesce(st.object_mime, st.mime_hint),
              'object', case when st.legacy_name is not null then st.legacy_bucket || '/' || st.legacy_name end))),
       coalesce(st.created_at, now()), coalesce(st.created_at, now())
  from samia_staged st
 where st.skip_reason is null;

insert into {archive}.samia_skipped (source_table, source_id, reason)
select st.source, st.id::text, st.skip_reason from samia_staged st where st.skip_reason is not null;

-- reply links, once every target exists; the session's last message from the messages themselves
update {schema}.chat_messages t set reply_to_message_id = m.reply_to
  from {archive}.messages m
 where m.id = t.id and m.reply_to is not null and exists (select 1 from {schema}.chat_messages r where r.id = m.reply_to);
update {schema}.chat_sessions s
   set last_message_at = l.created_at,
       last_message_preview = case when l.type = 'text' then left(l.content, 140) else '[' || l.type || ']' end
  from (select distinct on (session_id) session_id, created_at, type, content from {schema}.chat_messages
         order by session_id, created_at desc, id desc) l
 where l.session_id = s.id;

-- read state per participant (chat_read_cursors): a participant has read the session up to the
-- newest message of someone else that the legacy tables mark as read; an older message the legacy
-- tables left unread then counts as read too (the cursor model has no holes), the newer ones stay
-- unread. Multi-party legacy rows carry one flag per message, which counts for every other participant.
insert into {schema}.chat_read_cursors (session_id, user_id, read_at)
select s.id, p.user_id, max(m.created_at)
  from {schema}.chat_sessions s
 cross join lateral unnest(s.participants) p(user_id)
  join {schema}.chat_messages m on m.session_id = s.id and m.sender_id <> p.user_id and m.read_at is not null
 where exists (select 1 from auth.users u where u.id = p.user_id)
 group by s.id, p.user_id
on conflict (session_id, user_id) do update set read_at = greatest({schema}.chat_read_cursors.read_at, excluded.read_at);
