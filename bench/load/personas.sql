-- samia load bench: a pool of signed-in clients that have an active session, with what the app
-- knows of each (its id, its session ids, one active session and a page cursor in it). Run as
-- superuser; %(count)s clients at most, numbered 1..n for pgbench's random(1, :personas).
create table public.bench_load_personas (
  n int primary key, uid uuid not null, sid uuid not null, cursor_ts timestamptz not null, cursor_id uuid not null,
  my_sids text not null
);
insert into public.bench_load_personas (n, uid, sid, cursor_ts, cursor_id, my_sids)
with clients as (
  select p.id
  from public.profiles p
  where p.role = 'client'
    and exists (select 1 from public.chat_sessions s where s.participants @> array[p.id] and s.status = 'active')
  order by md5(p.id::text)
  limit %(count)s
)
select row_number() over (order by c.id)::int as n,
       c.id as uid,
       mine.sid,
       coalesce(cur.created_at, now() + interval '1 day') as cursor_ts,
       coalesce(cur.id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid) as cursor_id,
       (select array_agg(s.id order by s.id) from public.chat_sessions s where s.participants @> array[c.id])::text
         as my_sids
from clients c
cross join lateral (
  select s.id as sid from public.chat_sessions s
  where s.participants @> array[c.id] and s.status = 'active' order by s.id limit 1
) mine
left join lateral (
  select m.created_at, m.id from public.chat_messages m where m.session_id = mine.sid
  order by m.created_at desc, m.id desc offset 4 limit 1
) cur on true;
