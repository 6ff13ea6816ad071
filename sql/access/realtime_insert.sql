-- The join check's rows: one per extension on the topic, timestamped in UTC as Realtime does; inserted
-- by the checking connection's own role (RETURNING proves they are there before the role changes).
insert into realtime.messages (id, topic, extension, inserted_at, updated_at)
select t.id, %(topic)s, t.extension, now() at time zone 'utc', now() at time zone 'utc'
from unnest(%(ids)s::uuid[], %(extensions)s::text[]) as t(id, extension)
returning id
