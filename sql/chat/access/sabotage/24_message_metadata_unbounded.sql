-- the size check on chat_messages.metadata dropped (1 MiB per message, copied into the audit log)
-- caught by: chat_messages.insert
alter table {schema}.chat_messages drop constraint chat_messages_metadata_size_check;
