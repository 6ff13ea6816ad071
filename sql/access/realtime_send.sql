-- The send check: one row for one extension, inserted as the client's role (no RETURNING, as Realtime).
insert into realtime.messages (id, topic, extension, inserted_at, updated_at)
values (%(id)s, %(topic)s, %(extension)s, now() at time zone 'utc', now() at time zone 'utc')
