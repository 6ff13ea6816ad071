-- a permissive `using (true)` policy left on chat_messages
create policy sabotage_open on {schema}.chat_messages as permissive for select to authenticated using (true);
