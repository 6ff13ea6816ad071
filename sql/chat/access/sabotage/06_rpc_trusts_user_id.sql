-- an RPC that trusts a user id argument: send_chat_message(p_sender_id, ...) as security definer
-- caught by: rpc.surface
create function {schema}.send_chat_message(p_sender_id uuid, p_session_id uuid, p_content text)
returns uuid language sql security definer set search_path = ''
as $fn$
  insert into {schema}.chat_messages (session_id, sender_id, content)
  values (p_session_id, p_sender_id, p_content) returning id
$fn$;
grant execute on function {schema}.send_chat_message(uuid, uuid, text) to authenticated;
