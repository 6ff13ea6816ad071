-- samia: integrity triggers: participant validity, column guards, timestamps, last-message preview.
create or replace function chat_private.set_updated_at()
returns trigger
language plpgsql set search_path = ''
as $fn$
begin
  new.updated_at := now();
  return new;
end
$fn$;

-- Every participant must be an existing user; no duplicates, no nulls.
create or replace function chat_private.check_participants()
returns trigger
language plpgsql security definer set search_path = ''
as $fn$
declare
  v_missing uuid;
begin
  if (select count(distinct p) from unnest(new.participants) p) <> cardinality(new.participants) then
    raise exception 'chat session participants must be distinct' using errcode = '23514';
  end if;
  select p into v_missing from unnest(new.participants) p
  where not exists (select 1 from auth.users u where u.id = p) limit 1;
  if v_missing is not null then
    raise exception 'chat session participant % is not an existing user', v_missing using errcode = '23503';
  end if;
  return new;
end
$fn$;

-- API callers who are not admins may change only title and status of a session, and may close or
-- archive it but never make it active again (that would undo the "active session" rule for posting).
create or replace function chat_private.guard_session_update()
returns trigger
language plpgsql set search_path = ''
as $fn$
declare
  v_free constant text[] := array['title', 'status', 'updated_at'];
begin
  if current_user in ('anon', 'authenticated') and not chat_private.is_admin() then
    if (to_jsonb(new) - v_free) is distinct from (to_jsonb(old) - v_free) then
      raise exception 'only the title and status of a chat session may be changed' using errcode = '42501';
    end if;
    if new.status = 'active' and old.status <> 'active' then
      raise exception 'only an admin can reopen a chat session' using errcode = '42501';
    end if;
  end if;
  return new;
end
$fn$;

-- API callers who are not admins may change only content (within the edit window) and the
-- deleted flag of their messages; a deleted message stays deleted.
create or replace function chat_private.guard_message_update()
returns trigger
language plpgsql set search_path = ''
as $fn$
declare
  v_free constant text[] := array['content', 'content_tsv', 'is_deleted', 'deleted_at', 'updated_at'];
begin
  if current_user in ('anon', 'authenticated') and not chat_private.is_admin() then
    if (to_jsonb(new) - v_free) is distinct from (to_jsonb(old) - v_free) then
      raise exception 'only the content and the deleted flag of a message may be changed' using errcode = '42501';
    end if;
    if new.content is distinct from old.content
       and (old.is_deleted or old.created_at < now() - interval '15 minutes') then
      raise exception 'a message can be edited only within 15 minutes of sending' using errcode = '42501';
    end if;
    if old.is_deleted and not new.is_deleted then
      raise exception 'a deleted message cannot be restored' using errcode = '42501';
    end if;
  end if;
  if new.is_deleted and new.deleted_at is null then
    new.deleted_at := now();
  elsif not new.is_deleted then
    new.deleted_at := null;
  end if;
  return new;
end
$fn$;

create or replace function chat_private.touch_session_last_message()
returns trigger
language plpgsql security definer set search_path = ''
as $fn$
begin
  update public.chat_sessions s
     set last_message_at = new.created_at,
         last_message_preview = case when new.type = 'text' then left(new.content, 140) else '[' || new.type || ']' end
   where s.id = new.session_id
     and (s.last_message_at is null or s.last_message_at <= new.created_at);
  return null;
end
$fn$;

create or replace trigger chat_sessions_check_participants
  before insert or update of participants on public.chat_sessions
  for each row execute function chat_private.check_participants();
create or replace trigger chat_sessions_guard_update
  before update on public.chat_sessions
  for each row execute function chat_private.guard_session_update();
create or replace trigger chat_sessions_set_updated_at
  before update on public.chat_sessions
  for each row execute function chat_private.set_updated_at();

create or replace trigger chat_messages_guard_update
  before update on public.chat_messages
  for each row execute function chat_private.guard_message_update();
create or replace trigger chat_messages_set_updated_at
  before update on public.chat_messages
  for each row execute function chat_private.set_updated_at();
create or replace trigger chat_messages_touch_session
  after insert on public.chat_messages
  for each row execute function chat_private.touch_session_last_message();
create or replace trigger profiles_set_updated_at
  before update on public.profiles
  for each row execute function chat_private.set_updated_at();
