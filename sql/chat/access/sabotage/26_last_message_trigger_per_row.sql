-- the last-message trigger runs once per row again (a bulk insert holds the session row lock throughout)
-- caught by: chat_messages.bulk_write
create or replace trigger chat_messages_touch_session_insert after insert on {schema}.chat_messages
  for each row execute function {private}.set_updated_at();
