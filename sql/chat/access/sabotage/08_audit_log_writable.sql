-- the audit log made writable by API users
grant insert on {schema}.chat_audit_logs to authenticated;
create policy sabotage_audit_insert on {schema}.chat_audit_logs for insert to authenticated with check (true);
