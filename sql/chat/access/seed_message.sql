insert into {schema}.chat_messages (id, session_id, sender_id, type, content, created_at)
values (%(id)s, %(session_id)s, %(sender_id)s, 'text', %(content)s, %(created_at)s)
