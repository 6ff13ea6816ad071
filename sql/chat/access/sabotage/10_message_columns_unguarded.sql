-- message updates no longer column-limited (created_at and sender editable)
-- caught by: chat_messages.update
grant update on {schema}.chat_messages to authenticated;
drop trigger chat_messages_guard_update on {schema}.chat_messages;
