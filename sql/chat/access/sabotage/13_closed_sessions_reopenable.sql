-- members may reopen a closed session (and then post in it again): the status guard removed
-- caught by: chat_sessions.update
create or replace function {private}.guard_session_update() returns trigger
language plpgsql set search_path = ''
as $fn$
begin
  return new;
end
$fn$;
