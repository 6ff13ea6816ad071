insert into {schema}.chat_read_cursors (session_id, user_id, read_at)
select %(session_id)s, p, %(read_at)s from unnest(%(participants)s::uuid[]) p
