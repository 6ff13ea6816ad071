-- clients set a message's id, created_at, read and delivery state (full insert grant, server-column trigger dropped)
-- caught by: chat_messages.insert
grant insert on {schema}.chat_messages to authenticated;
drop trigger chat_messages_server_columns on {schema}.chat_messages;
