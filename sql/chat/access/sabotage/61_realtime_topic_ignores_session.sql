-- a topic check that ignores the session id: any chat: topic may be received by any signed-in user
-- caught by: realtime.receive_broadcast
create policy sabotage_realtime_any_chat_topic on realtime.messages as permissive for select to authenticated
  using (topic = (select realtime.topic()) and (select realtime.topic()) like 'chat:%');
