-- the participant check removed: "my sessions" returns every session
-- caught by: chat_messages.select
create or replace function {private}.my_session_ids() returns setof uuid
language sql stable security definer set search_path = ''
as $fn$ select s.id from {schema}.chat_sessions s $fn$;
