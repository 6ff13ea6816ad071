-- a reply may quote a message of another session (an existence oracle through the foreign key)
-- caught by: chat_messages.insert
create or replace function {private}.quotes_same_session(p_reply uuid, p_session uuid) returns boolean
language sql stable set search_path = pg_catalog, pg_temp
as $fn$ select true $fn$;
-- the monthly layout looks the quoted message's time up instead (the reply key carries it)
do $sabotage$
begin
  if to_regprocedure('{private}.quoted_message_time(uuid, uuid)') is not null then
    execute $f$create or replace function {private}.quoted_message_time(p_reply uuid, p_session uuid)
      returns timestamptz language sql stable security definer set search_path = pg_catalog, pg_temp
      as $$ select m.created_at from {schema}.chat_messages m where m.id = p_reply $$$f$;
  end if;
end $sabotage$;
