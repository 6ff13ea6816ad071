-- a permissive `using (true)` policy left on chat_messages
-- caught by: chat_messages.select
create policy sabotage_open on {schema}.chat_messages as permissive for select to authenticated using (true);
