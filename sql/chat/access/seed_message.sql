insert into {schema}.chat_messages (id, session_id, sender_id, type, content, created_at)
select m.id, m.session_id, m.sender_id, 'text', m.content, m.created_at
from unnest(%(ids)s::uuid[], %(sessions)s::uuid[], %(senders)s::uuid[], %(contents)s::text[],
            %(created)s::timestamptz[]) as m (id, session_id, sender_id, content, created_at)
