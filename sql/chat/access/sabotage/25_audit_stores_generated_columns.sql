-- the audit log stores generated columns again (content_tsv: every message write copied twice)
-- caught by: chat_messages.insert
create or replace trigger chat_messages_audit_insert after insert on {schema}.chat_messages
  referencing new table as new_rows for each statement execute function {private}.audit_statement('session_id');
