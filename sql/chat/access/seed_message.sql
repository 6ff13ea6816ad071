insert into {schema}.chat_messages (id, session_id, sender_id, type, content, read_at, created_at)
values (%(id)s, %(session_id)s, %(sender_id)s, 'text', %(content)s, %(read_at)s, %(created_at)s)
