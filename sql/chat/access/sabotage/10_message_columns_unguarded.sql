-- message updates no longer column-limited (created_at and sender editable)
grant update on {schema}.chat_messages to authenticated;
drop trigger chat_messages_guard_update on {schema}.chat_messages;
