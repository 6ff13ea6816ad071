-- the audit log made writable by API users
-- caught by: chat_audit_logs.insert
grant insert on {schema}.chat_audit_logs to authenticated;
create policy sabotage_audit_insert on {schema}.chat_audit_logs for insert to authenticated with check (true);
