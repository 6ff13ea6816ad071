-- samia bench: the "naive" policy set. The same access rules as ours, written the way the earlier
-- SAMIA SQL wrote them: auth.uid() called per row (never wrapped in a select), membership and the
-- admin check as per-row EXISTS subqueries against the tables, no `TO` role, no helper functions.
-- The harness runs this inside a transaction and rolls it back after measuring: ours is restored.
-- profiles keeps a plain "signed-in users can read profiles" policy: a naive self-referencing
-- EXISTS on profiles inside profiles' own policy would recurse forever.

drop policy if exists chat_sessions_select on public.chat_sessions;
drop policy if exists chat_sessions_insert on public.chat_sessions;
drop policy if exists chat_sessions_update on public.chat_sessions;
drop policy if exists chat_sessions_delete on public.chat_sessions;
drop policy if exists chat_messages_select on public.chat_messages;
drop policy if exists chat_messages_insert on public.chat_messages;
drop policy if exists chat_messages_update on public.chat_messages;
drop policy if exists chat_messages_delete on public.chat_messages;
drop policy if exists chat_audit_logs_select on public.chat_audit_logs;
drop policy if exists chat_monitoring_select on public.chat_monitoring;
drop policy if exists chat_monitoring_insert on public.chat_monitoring;
drop policy if exists profiles_select on public.profiles;
drop policy if exists profiles_update on public.profiles;
drop policy if exists chat_files_select on storage.objects;
drop policy if exists chat_files_insert on storage.objects;
drop policy if exists chat_files_update on storage.objects;
drop policy if exists chat_files_delete on storage.objects;

create policy naive_profiles_select on public.profiles for select
  using (auth.uid() is not null);
create policy naive_profiles_update on public.profiles for update
  using (id = auth.uid()) with check (id = auth.uid());

create policy naive_sessions_select on public.chat_sessions for select
  using (
    auth.uid() = any (participants)
    or exists (select 1 from public.profiles p
               where p.id = auth.uid() and p.role in ('monitor', 'admin', 'super_admin'))
  );
create policy naive_sessions_insert on public.chat_sessions for insert
  with check (
    created_by = auth.uid()
    and (auth.uid() = any (participants)
         or exists (select 1 from public.profiles p where p.id = auth.uid() and p.role in ('admin', 'super_admin')))
  );
create policy naive_sessions_update on public.chat_sessions for update
  using (
    auth.uid() = any (participants)
    or exists (select 1 from public.profiles p where p.id = auth.uid() and p.role in ('admin', 'super_admin'))
  );
create policy naive_sessions_delete on public.chat_sessions for delete
  using (exists (select 1 from public.profiles p where p.id = auth.uid() and p.role = 'super_admin'));

create policy naive_messages_select on public.chat_messages for select
  using (
    exists (select 1 from public.chat_sessions s
            where s.id = chat_messages.session_id and auth.uid() = any (s.participants))
    or exists (select 1 from public.profiles p
               where p.id = auth.uid() and p.role in ('monitor', 'admin', 'super_admin'))
  );
create policy naive_messages_insert on public.chat_messages for insert
  with check (
    sender_id = auth.uid()
    and exists (select 1 from public.chat_sessions s
                where s.id = chat_messages.session_id and s.status = 'active'
                  and (auth.uid() = any (s.participants)
                       or exists (select 1 from public.profiles p
                                  where p.id = auth.uid() and p.role in ('admin', 'super_admin'))))
  );
create policy naive_messages_update on public.chat_messages for update
  using (
    (sender_id = auth.uid() and exists (select 1 from public.chat_sessions s
                                        where s.id = chat_messages.session_id and auth.uid() = any (s.participants)))
    or exists (select 1 from public.profiles p where p.id = auth.uid() and p.role in ('admin', 'super_admin'))
  );
create policy naive_messages_delete on public.chat_messages for delete
  using (exists (select 1 from public.profiles p where p.id = auth.uid() and p.role = 'super_admin'));

create policy naive_audit_select on public.chat_audit_logs for select
  using (exists (select 1 from public.profiles p where p.id = auth.uid() and p.role in ('admin', 'super_admin')));
create policy naive_monitoring_select on public.chat_monitoring for select
  using (exists (select 1 from public.profiles p
                 where p.id = auth.uid() and p.role in ('monitor', 'admin', 'super_admin')));
create policy naive_monitoring_insert on public.chat_monitoring for insert
  with check (user_id = auth.uid());

create policy naive_files_select on storage.objects for select
  using (
    bucket_id = 'chat-files'
    and (exists (select 1 from public.chat_sessions s
                 where s.id::text = (storage.foldername(name))[1] and auth.uid() = any (s.participants))
         or exists (select 1 from public.profiles p
                    where p.id = auth.uid() and p.role in ('monitor', 'admin', 'super_admin')))
  );
create policy naive_files_insert on storage.objects for insert
  with check (
    bucket_id = 'chat-files'
    and (storage.foldername(name))[2] = auth.uid()::text
    and exists (select 1 from public.chat_sessions s
                where s.id::text = (storage.foldername(name))[1] and auth.uid() = any (s.participants))
  );
create policy naive_files_delete on storage.objects for delete
  using (
    bucket_id = 'chat-files'
    and ((storage.foldername(name))[2] = auth.uid()::text
         or exists (select 1 from public.profiles p where p.id = auth.uid() and p.role in ('admin', 'super_admin')))
  );

-- realtime.messages: the session looked up by its topic text per row (no index can serve the
-- concatenation), membership and staff as per-row EXISTS, no `TO`, no helper.
drop policy if exists chat_realtime_receive on realtime.messages;
drop policy if exists chat_realtime_send on realtime.messages;
create policy naive_realtime_receive on realtime.messages for select
  using (
    extension in ('broadcast', 'presence')
    and (exists (select 1 from public.chat_sessions s
                 where 'chat:' || s.id::text = realtime.topic() and auth.uid() = any (s.participants))
         or exists (select 1 from public.profiles p
                    where p.id = auth.uid() and p.role in ('monitor', 'admin', 'super_admin')))
  );
