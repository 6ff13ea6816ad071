-- the message insert policy no longer checks that the sender is the caller
-- caught by: chat_messages.insert
drop policy chat_messages_insert on {schema}.chat_messages;
create policy chat_messages_insert on {schema}.chat_messages for insert to authenticated
  with check ({private}.is_participant(session_id));
