-- samia bench: what Realtime keeps in realtime.messages (three days of broadcasts): one stored
-- broadcast per chat message of the last 3 days on its session's private topic (chat:{session_id}).
insert into realtime.messages (topic, extension, payload, event, private, inserted_at, updated_at)
select 'chat:' || m.session_id::text, 'broadcast', jsonb_build_object('record', jsonb_build_object('id', m.id)),
       'INSERT', true, m.created_at at time zone 'utc', m.created_at at time zone 'utc'
from public.chat_messages m, bench_params p
where m.created_at >= p.t0 - interval '3 days';
