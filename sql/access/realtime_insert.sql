-- One realtime.messages row per extension on the topic, timestamped in UTC as Realtime does.
insert into realtime.messages (id, topic, extension, inserted_at, updated_at)
select t.id, %(topic)s, t.extension, now() at time zone 'utc', now() at time zone 'utc'
from unnest(%(ids)s::uuid[], %(extensions)s::text[]) as t(id, extension)
