-- a permissive `using (true)` policy on realtime.messages: every signed-in user joins every private topic
-- caught by: realtime.receive_broadcast
-- caught by: realtime.receive_presence
create policy sabotage_realtime_open on realtime.messages as permissive for select to authenticated using (true);
