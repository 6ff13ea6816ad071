-- Sessions: legacy sessions keep their id; participants = participants + client + reader (existing
-- users only: empty arrays are resolved from the booking parties); active stays active, locked and
-- completed become closed; limits, counters and the lock go to metadata.legacy. Bookings whose
-- messages or voice notes never got a session get one (a deterministic id from the booking).
insert into {schema}.chat_sessions (id, participants, created_by, type, booking_id, status, metadata, created_at, updated_at)
select s.id, p.ids, s.client_id, 'booking', s.booking_id, case when s.status = 'active' then 'active' else 'closed' end,
       jsonb_build_object('legacy', jsonb_strip_nulls(jsonb_build_object(
         'source', 'chat_sessions', 'status', s.status, 'locked_by', s.locked_by, 'locked_at', s.locked_at,
         'participants_resolved', nullif(cardinality(s.participants) = 0, false),
         'usage', jsonb_build_object('client_text_chars_used', s.client_text_chars_used,
                                     'client_voice_seconds_used', s.client_voice_seconds_used,
                                     'client_images_sent', s.client_images_sent,
                                     'reader_voice_notes_sent', s.reader_voice_notes_sent),
         'limits', jsonb_build_object('max_text_chars', s.max_text_chars, 'max_voice_seconds', s.max_voice_seconds,
                                      'max_images', s.max_images, 'max_reader_voice_notes', s.max_reader_voice_notes)))),
       coalesce(s.created_at, now()), coalesce(s.updated_at, s.created_at, now())
  from {archive}.chat_sessions s
  cross join lateral (select array_agg(distinct u.id order by u.id) ids
                        from unnest(s.participants || array[s.client_id, s.reader_id]) x(id)
                        join auth.users u on u.id = x.id) p
 where cardinality(p.ids) between 1 and 50;

insert into {archive}.samia_skipped (source_table, source_id, reason)
select 'chat_sessions', s.id::text, 'no participant is an existing user'
  from {archive}.chat_sessions s
 where not exists (select 1 from {schema}.chat_sessions t where t.id = s.id);

insert into {schema}.chat_sessions (id, participants, created_by, type, booking_id, status, metadata, created_at, updated_at)
select md5('samia-booking-session:' || b.id)::uuid,
       (select array_agg(distinct u.id order by u.id) from auth.users u where u.id in (b.user_id, b.reader_id)),
       b.user_id, 'booking', b.id, case when b.status in ('completed', 'cancelled') then 'closed' else 'active' end,
       jsonb_build_object('legacy', jsonb_build_object('source', 'bookings', 'booking_status', b.status)),
       coalesce(b.created_at, now()), coalesce(b.updated_at, b.created_at, now())
  from {schema}.bookings b
  -- the bookings with messages or reading voice notes, each once (a distinct set, then a join: never
  -- a lookup into the messages per booking, whatever work_mem is)
  join (select m.booking_id from {archive}.messages m
        union select v.context_id from {archive}.voice_notes v where v.context_type = 'reading') used
    on used.booking_id = b.id
 where not exists (select 1 from {archive}.chat_sessions s where s.booking_id = b.id)
   and exists (select 1 from auth.users u where u.id in (b.user_id, b.reader_id));
