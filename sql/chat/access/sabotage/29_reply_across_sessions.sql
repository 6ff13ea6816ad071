-- a reply may quote a message of another session (an existence oracle through the foreign key)
-- caught by: chat_messages.insert
create or replace function {private}.quotes_same_session(p_reply uuid, p_session uuid) returns boolean
language sql stable set search_path = pg_catalog, pg_temp
as $fn$ select true $fn$;
