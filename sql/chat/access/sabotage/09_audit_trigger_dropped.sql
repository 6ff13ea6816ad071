-- the audit trigger on chat_messages dropped (writes leave no trail)
-- caught by: chat_messages.insert
drop trigger chat_messages_audit_insert on {schema}.chat_messages;
