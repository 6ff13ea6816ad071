-- participants may send on their closed sessions' topics: the active-session check left out of sending
-- caught by: realtime.send_broadcast
create policy sabotage_realtime_send_closed on realtime.messages as permissive for insert to authenticated
  with check ((select {private}.is_participant({private}.realtime_topic_session((select realtime.topic())))));
