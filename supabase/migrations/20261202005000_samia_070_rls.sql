-- samia: row level security. One permissive policy per table, command and role; every policy is
-- `TO` a role; every auth.*() call and row-independent helper is wrapped in (select ...) so that
-- Postgres evaluates it once per statement. Policies are dropped and recreated (convergent), and
-- any other policy left on these tables (e.g. an old `using (true)`) is dropped.
-- Staff checks come first in an OR: Postgres evaluates OR arms in order and an initPlan only when
-- first needed, so a staff reader never computes the membership list (bench/rls: queries 4, 4b, 5).
-- RLS is enabled and forced on every chat table: the owner is subject to the policies too unless it
-- bypasses RLS. The security definer helpers run as the owner and must see every row, so the owner
-- must be a superuser or BYPASSRLS (Supabase's postgres is); anything else is refused here.
do $owner$
declare
  v_table text;
begin
  foreach v_table in array array['public.chat_sessions', 'public.chat_messages', 'public.chat_audit_logs', 'public.chat_monitoring', 'public.chat_read_cursors', 'public.profiles'] loop
    if not exists (select 1 from pg_class c join pg_roles r on r.oid = c.relowner
                   where c.oid = v_table::regclass and (r.rolsuper or r.rolbypassrls)) then
      raise exception 'samia: the owner of % must bypass row level security (superuser or BYPASSRLS, as postgres on Supabase): its security definer helpers run as the owner under FORCE ROW LEVEL SECURITY', v_table
        using errcode = '42501';
    end if;
    execute format('alter table %s enable row level security, force row level security', v_table);
  end loop;
end
$owner$;

-- chat_sessions -------------------------------------------------------------------------------
drop policy if exists chat_sessions_select on public.chat_sessions;
create policy chat_sessions_select on public.chat_sessions
  as permissive for select to authenticated
  using ((select chat_private.has_role(array['monitor', 'admin', 'super_admin']::text[])) or participants @> array[(select auth.uid())])
;

drop policy if exists chat_sessions_insert on public.chat_sessions;
create policy chat_sessions_insert on public.chat_sessions
  as permissive for insert to authenticated
  with check (created_by = (select auth.uid()) and (((select chat_private.has_role(array['client', 'reader']::text[])) and participants @> array[(select auth.uid())]) or (select chat_private.has_role(array['admin', 'super_admin']::text[]))))
;

drop policy if exists chat_sessions_update on public.chat_sessions;
create policy chat_sessions_update on public.chat_sessions
  as permissive for update to authenticated
  using (((select chat_private.has_role(array['client', 'reader']::text[])) and participants @> array[(select auth.uid())]) or (select chat_private.has_role(array['admin', 'super_admin']::text[])))
  with check (((select chat_private.has_role(array['client', 'reader']::text[])) and participants @> array[(select auth.uid())]) or (select chat_private.has_role(array['admin', 'super_admin']::text[])))
;

drop policy if exists chat_sessions_delete on public.chat_sessions;
create policy chat_sessions_delete on public.chat_sessions
  as permissive for delete to authenticated
  using ((select chat_private.has_role(array['super_admin']::text[])))
;


-- chat_messages -------------------------------------------------------------------------------
drop policy if exists chat_messages_select on public.chat_messages;
create policy chat_messages_select on public.chat_messages
  as permissive for select to authenticated
  using ((select chat_private.has_role(array['monitor', 'admin', 'super_admin']::text[])) or session_id in (select chat_private.my_session_ids()))
;

drop policy if exists chat_messages_insert on public.chat_messages;
create policy chat_messages_insert on public.chat_messages
  as permissive for insert to authenticated
  with check (sender_id = (select auth.uid()) and (((select chat_private.has_role(array['client', 'reader']::text[])) and chat_private.is_active_participant(session_id)) or ((select chat_private.has_role(array['admin', 'super_admin']::text[])) and chat_private.session_is_active(session_id))))
;

drop policy if exists chat_messages_update on public.chat_messages;
create policy chat_messages_update on public.chat_messages
  as permissive for update to authenticated
  using (((select chat_private.has_role(array['client', 'reader']::text[])) and sender_id = (select auth.uid()) and session_id in (select chat_private.my_session_ids())) or (select chat_private.has_role(array['admin', 'super_admin']::text[])))
  with check (((select chat_private.has_role(array['client', 'reader']::text[])) and sender_id = (select auth.uid()) and session_id in (select chat_private.my_session_ids())) or (select chat_private.has_role(array['admin', 'super_admin']::text[])))
;

drop policy if exists chat_messages_delete on public.chat_messages;
create policy chat_messages_delete on public.chat_messages
  as permissive for delete to authenticated
  using ((select chat_private.has_role(array['super_admin']::text[])))
;


-- chat_audit_logs: read by admins; written only by the audit trigger ------------------------
drop policy if exists chat_audit_logs_select on public.chat_audit_logs;
create policy chat_audit_logs_select on public.chat_audit_logs
  as permissive for select to authenticated
  using ((select chat_private.has_role(array['admin', 'super_admin']::text[])))
;


-- chat_read_cursors: participants see every cursor of their sessions (read receipts), staff all;
-- written only by mark_session_read (security definer) ------------------------------------------
drop policy if exists chat_read_cursors_select on public.chat_read_cursors;
create policy chat_read_cursors_select on public.chat_read_cursors
  as permissive for select to authenticated
  using ((select chat_private.has_role(array['monitor', 'admin', 'super_admin']::text[])) or session_id in (select chat_private.my_session_ids()))
;


-- chat_monitoring -----------------------------------------------------------------------------
drop policy if exists chat_monitoring_select on public.chat_monitoring;
create policy chat_monitoring_select on public.chat_monitoring
  as permissive for select to authenticated
  using ((select chat_private.has_role(array['monitor', 'admin', 'super_admin']::text[])))
;

drop policy if exists chat_monitoring_insert on public.chat_monitoring;
create policy chat_monitoring_insert on public.chat_monitoring
  as permissive for insert to authenticated
  with check (((select chat_private.has_role(array['client', 'reader']::text[])) and user_id = (select auth.uid()) and (session_id is null or chat_private.is_participant(session_id))) or (select chat_private.has_role(array['admin', 'super_admin']::text[])))
;


-- profiles: self, chat partners, staff; users may edit only their name and avatar -------------
drop policy if exists profiles_select on public.profiles;
create policy profiles_select on public.profiles
  as permissive for select to authenticated
  using (id = (select auth.uid()) or id in (select chat_private.my_contact_ids()) or (select chat_private.has_role(array['monitor', 'admin', 'super_admin']::text[])))
;

drop policy if exists profiles_update on public.profiles;
create policy profiles_update on public.profiles
  as permissive for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()))
;


-- Drop every other policy on these tables: leftovers of earlier scripts must not survive.
do $cleanup$
declare
  r record;
begin
  for r in
    select p.tablename, p.policyname from pg_policies p
    where p.schemaname = 'public'
      and p.tablename in ('chat_sessions', 'chat_messages', 'chat_audit_logs', 'chat_monitoring', 'chat_read_cursors', 'profiles')
      and (p.tablename, p.policyname) not in (
        ('chat_sessions', 'chat_sessions_select'),
        ('chat_sessions', 'chat_sessions_insert'),
        ('chat_sessions', 'chat_sessions_update'),
        ('chat_sessions', 'chat_sessions_delete'),
        ('chat_messages', 'chat_messages_select'),
        ('chat_messages', 'chat_messages_insert'),
        ('chat_messages', 'chat_messages_update'),
        ('chat_messages', 'chat_messages_delete'),
        ('chat_audit_logs', 'chat_audit_logs_select'),
        ('chat_read_cursors', 'chat_read_cursors_select'),
        ('chat_monitoring', 'chat_monitoring_select'),
        ('chat_monitoring', 'chat_monitoring_insert'),
        ('profiles', 'profiles_select'),
        ('profiles', 'profiles_update')
      )
  loop
    execute format('drop policy %I on %I.%I', r.policyname, 'public', r.tablename);
  end loop;
end
$cleanup$;
