-- samia bench: set-based data generator (generate_series; no per-row round trips).
-- Parameters are read from GUCs set by the harness with set_config():
--   bench.users, bench.sessions, bench.messages, bench.objects  (integers)
--   bench.first, bench.last: the rows of one chunk of a "chunked" statement (the harness runs it
--   once per chunk, so that 10M messages stream in bounded pieces)
-- Deterministic ids: md5(tag || n)::uuid, so personas can be found by number.
-- The harness runs this as superuser with session_replication_role = replica (no FK or audit
-- triggers during the bulk load), then derives last_message_at and runs ANALYZE.

create temp table bench_params on commit drop as
select current_setting('bench.users')::int as users,
       current_setting('bench.sessions')::int as sessions,
       current_setting('bench.messages')::int as messages,
       current_setting('bench.objects')::int as objects,
       now() as t0;

-- users: user 1 is super_admin, ~1% admins, ~1% monitors, ~10% readers, the rest clients
insert into auth.users (id, aud, role, email, created_at, updated_at)
select md5('u' || i)::uuid, 'authenticated', 'authenticated', 'user' || i || '@bench.test',
       p.t0 - interval '400 days', p.t0 - interval '400 days'
from bench_params p, generate_series(1, p.users) i;

insert into public.profiles (id, role, display_name, created_at, updated_at)
select md5('u' || i)::uuid,
       case when i = 1 then 'super_admin'
            when i % 100 = 2 then 'admin'
            when i % 100 = 3 then 'monitor'
            when i % 10 = 4 then 'reader'
            else 'client' end,
       'User ' || i, p.t0 - interval '400 days', p.t0 - interval '400 days'
from bench_params p, generate_series(1, p.users) i;

-- sessions: 2-4 distinct participants (base + k*step mod users, step <= (users-1)/3)
create temp table bench_sessions on commit drop as
select s as n,
       md5('s' || s)::uuid as id,
       (select array_agg(md5('u' || (1 + (b.base + k * b.step) % p.users))::uuid order by k)
          from generate_series(0, 1 + s % 3) k) as participants,
       p.t0 - (interval '365 days' * ((s::bigint * 7919) % 1000) / 1000.0) - interval '1 day' as created_at
from bench_params p, generate_series(1, p.sessions) s,
     lateral (select (s * 2654435761::bigint) % p.users as base,
                     1 + (s * 40503::bigint) % greatest((p.users - 1) / 3, 1) as step) b;

insert into public.chat_sessions (id, participants, created_by, type, status, title, metadata, created_at, updated_at)
select id, participants, participants[1], 'direct',
       case when n % 20 = 0 then 'closed' else 'active' end,
       'Session ' || n, '{}'::jsonb, created_at, created_at
from bench_sessions;

-- messages: spread evenly over the sessions, timestamps over the last year;
-- 1 message in 97 contains the word "tarot" (the full-text search target)
-- chunked: messages
insert into public.chat_messages (session_id, sender_id, type, content, status, is_delivered,
                                  delivered_at, metadata, created_at, updated_at)
select s.id,
       s.participants[1 + (m.j / p.sessions) % cardinality(s.participants)],
       'text',
       (array['hello', 'reading', 'card', 'moon', 'sun', 'star', 'love', 'career', 'question', 'answer',
              'future', 'past', 'today', 'thanks', 'please', 'voice', 'note', 'session', 'again', 'soon'])
         [1 + (m.j * 7) % 20] || ' ' ||
       (array['wheel', 'fortune', 'tower', 'lovers', 'hermit', 'empress', 'emperor', 'chariot', 'justice', 'death'])
         [1 + (m.j * 13) % 10] || ' ' ||
       case when m.j % 97 = 0 then 'tarot ' else '' end || 'message ' || m.j,
       case when m.j % 10 = 0 then 'sent' else 'read' end,
       m.j % 10 <> 0,
       case when m.j % 10 <> 0 then m.ts end,
       '{}'::jsonb, m.ts, m.ts
from bench_params p,
     lateral (select j, p.t0 - (interval '365 days' * ((j * 2654435761::bigint) % 1000003) / 1000003.0)
                     - interval '2 minutes' as ts
              from generate_series(current_setting('bench.first')::int, current_setting('bench.last')::int) j) m,
     bench_sessions s
where s.n = 1 + (m.j - 1) % p.sessions;

-- read cursors: every participant read its sessions up to 20-52 days ago (~10% of messages unread)
insert into public.chat_read_cursors (session_id, user_id, read_at)
select s.id, u, p.t0 - interval '1 day' * (20 + abs(hashtext(s.id::text || u::text)) % 33)
from bench_params p, bench_sessions s, unnest(s.participants) u;

-- chunked: objects
-- storage objects in the chat bucket at {session_id}/{user_id}/{file}
insert into storage.objects (bucket_id, name, owner, owner_id, metadata, created_at, updated_at, last_accessed_at)
select 'chat-files',
       s.id::text || '/' || s.participants[1 + (o.k / p.sessions) % cardinality(s.participants)]::text
         || '/file-' || o.k || case when o.k % 3 = 0 then '.webm' when o.k % 3 = 1 then '.png' else '.pdf' end,
       s.participants[1 + (o.k / p.sessions) % cardinality(s.participants)],
       s.participants[1 + (o.k / p.sessions) % cardinality(s.participants)]::text,
       jsonb_build_object('size', 1000 + o.k % 50000, 'mimetype', 'application/octet-stream'),
       p.t0 - interval '1 day', p.t0 - interval '1 day', p.t0 - interval '1 day'
from bench_params p, generate_series(current_setting('bench.first')::int, current_setting('bench.last')::int) o(k),
     bench_sessions s
where s.n = 1 + (o.k - 1) % p.sessions;

-- the last-message preview the touch trigger would have maintained
update public.chat_sessions c
   set last_message_at = l.created_at,
       last_message_preview = left(l.content, 140)
  from (select distinct on (session_id) session_id, created_at, content
          from public.chat_messages order by session_id, created_at desc, id desc) l
 where c.id = l.session_id;
