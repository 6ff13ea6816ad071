-- the message insert policy no longer checks that the sender is the caller
drop policy chat_messages_insert on {schema}.chat_messages;
create policy chat_messages_insert on {schema}.chat_messages for insert to authenticated
  with check ({private}.is_participant(session_id));
