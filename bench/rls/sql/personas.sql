-- samia bench: the personas and targets the hot paths run with (read as superuser).
-- client: the client whose session count is closest to 20; its busiest session and a cursor in it.
with client as (
  select p.id, count(*) as n_sessions
  from public.profiles p
  join public.chat_sessions s on s.participants @> array[p.id]
  where p.role = 'client'
  group by p.id
  order by abs(count(*) - 20), p.id
  limit 1
), session as (
  select s.id
  from public.chat_sessions s, client c
  where s.participants @> array[c.id] and s.status = 'active'
  order by (select count(*) from storage.objects o
            where o.bucket_id = 'chat-files' and o.name like s.id::text || '/%') desc,
           s.id
  limit 1
), cursor_row as (
  select m.created_at, m.id
  from public.chat_messages m, session s
  where m.session_id = s.id
  order by m.created_at desc, m.id desc
  offset 4 limit 1
)
select c.id as client_id,
       c.n_sessions,
       (select array_agg(s.id order by s.id) from public.chat_sessions s where s.participants @> array[c.id])
         as client_session_ids,
       (select id from session) as session_id,
       coalesce((select created_at from cursor_row), now() + interval '1 day') as cursor_created_at,
       coalesce((select id from cursor_row), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid) as cursor_id,
       (select p.id from public.profiles p where p.role = 'admin' order by p.id limit 1) as admin_id,
       (select p.id from public.profiles p where p.role = 'monitor' order by p.id limit 1) as monitor_id
from client c;
