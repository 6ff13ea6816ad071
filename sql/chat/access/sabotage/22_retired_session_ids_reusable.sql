-- the audit log's session deletions pruned: deleted sessions' ids are no longer retired (nor their files)
-- caught by: chat_sessions.insert
alter table {schema}.chat_audit_logs disable trigger chat_audit_logs_append_only;
delete from {schema}.chat_audit_logs where table_name = 'chat_sessions' and action = 'delete';
alter table {schema}.chat_audit_logs enable trigger chat_audit_logs_append_only;
