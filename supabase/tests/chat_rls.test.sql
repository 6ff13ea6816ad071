-- pgTAP tests for the SAMIA chat schema, run by `supabase test db` (pg_prove) against a database
-- with the migrations applied. Everything happens in one transaction that is rolled back.
begin;
create schema if not exists extensions;
create extension if not exists pgtap with schema extensions;
-- Supabase grants this already; a plain Postgres needs it so pgTAP works after `set role authenticated`
grant usage on schema extensions to authenticated;
set local search_path = public, extensions;
select plan(20);

-- structure -------------------------------------------------------------------------------------
select has_table('public', 'chat_sessions', 'chat_sessions exists');
select has_table('public', 'chat_messages', 'chat_messages exists');
select has_table('public', 'chat_audit_logs', 'chat_audit_logs exists');
select has_table('public', 'chat_monitoring', 'chat_monitoring exists');
select ok((select bool_and(relrowsecurity) from pg_class
           where oid in ('public.chat_sessions'::regclass, 'public.chat_messages'::regclass,
                         'public.chat_audit_logs'::regclass, 'public.chat_monitoring'::regclass)),
          'RLS is enabled on every chat table');
select policies_are('public', 'chat_messages',
  array['chat_messages_select', 'chat_messages_insert', 'chat_messages_update', 'chat_messages_delete'],
  'chat_messages has exactly its four policies');
select is((select count(*)::int from pg_policies where schemaname = 'storage' and tablename = 'objects'
           and policyname like 'chat_files_%'), 4, 'four storage policies for the chat bucket');
select is((select public from storage.buckets where id = 'chat-files'), false, 'the chat bucket is private');
select is_indexed('public', 'chat_sessions', 'participants', 'participants is indexed (GIN)');
select is((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname in ('public', 'chat_private') and p.prosecdef
             and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false)), 0,
          'every security definer function fixes search_path');
select ok(not has_function_privilege('anon', 'public.mark_session_read(uuid)', 'execute'),
          'anon cannot call mark_session_read');

-- a small world ----------------------------------------------------------------------------------
insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-000000000001', 'a@test'), ('b0000000-0000-4000-8000-000000000002', 'b@test'),
  ('c0000000-0000-4000-8000-000000000003', 'c@test');
insert into public.profiles (id, role) values
  ('a0000000-0000-4000-8000-000000000001', 'client'), ('b0000000-0000-4000-8000-000000000002', 'reader'),
  ('c0000000-0000-4000-8000-000000000003', 'client');
insert into public.chat_sessions (id, participants) values
  ('5e550000-0000-4000-8000-000000000001', array['a0000000-0000-4000-8000-000000000001',
                                                 'b0000000-0000-4000-8000-000000000002']::uuid[]),
  ('5e550000-0000-4000-8000-000000000002', array['b0000000-0000-4000-8000-000000000002',
                                                 'c0000000-0000-4000-8000-000000000003']::uuid[]);
insert into public.chat_messages (session_id, sender_id, content) values
  ('5e550000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'hello a'),
  ('5e550000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000003', 'hello b');

-- as client a, the way PostgREST does it ------------------------------------------------------------
-- the claims both ways: GoTrue's auth.uid()/role() read request.jwt.claim.* first, then
-- request.jwt.claims; the bare image's older ones read only request.jwt.claim.*
select set_config('request.jwt.claim.sub', 'a0000000-0000-4000-8000-000000000001', true);
select set_config('request.jwt.claim.role', 'authenticated', true);
set local role authenticated;
select set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-000000000001", "role": "authenticated"}', true);
select set_config('request.headers',
  '{"x-forwarded-for": "198.51.100.1, 203.0.113.9", "cf-connecting-ip": "203.0.113.9"}', true);

select results_eq('select id from public.chat_sessions',
  $$ values ('5e550000-0000-4000-8000-000000000001'::uuid) $$, 'a sees only the session it is in');
select is((select count(*)::int from public.chat_messages), 1, 'a sees only the messages of its session');
select lives_ok($$ insert into public.chat_messages (session_id, sender_id, content) values
  ('5e550000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'hi b') $$,
  'a posts in its own session as itself');
select throws_ok($$ insert into public.chat_messages (session_id, sender_id, content) values
  ('5e550000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'spoofed') $$,
  '42501', null, 'a cannot post as b');
select throws_ok($$ insert into public.chat_messages (session_id, sender_id, content) values
  ('5e550000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000001', 'intruder') $$,
  '42501', null, 'a cannot post into a session it is not in');
select is(public.mark_session_read('5e550000-0000-4000-8000-000000000001'), 1,
  'a marks the message b sent as read');
select throws_ok($$ update public.chat_sessions set participants = participants ||
  'c0000000-0000-4000-8000-000000000003'::uuid where id = '5e550000-0000-4000-8000-000000000001' $$,
  '42501', null, 'a cannot rewrite participants');
select throws_ok($$ delete from public.chat_audit_logs $$, '42501', null, 'the audit log is append-only');

reset role;
select is((select host(ip_address) from public.chat_audit_logs where new_values ->> 'content' = 'hi b'), '203.0.113.9',
  'the audit row carries the client IP');

select * from finish();
rollback;
