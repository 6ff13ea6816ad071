-- the monitoring insert policy is `with check (true)`
-- caught by: chat_monitoring.insert
drop policy chat_monitoring_insert on {schema}.chat_monitoring;
create policy chat_monitoring_insert on {schema}.chat_monitoring for insert to authenticated with check (true);
