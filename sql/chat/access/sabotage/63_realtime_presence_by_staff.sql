-- staff readers may send presence on the sessions they watch (they must stay invisible there)
-- caught by: realtime.send_presence
create policy sabotage_realtime_staff_presence on realtime.messages as permissive for insert to authenticated
  with check (extension = 'presence' and (select {private}.realtime_allows((select realtime.topic()), 'receive'))
              and not (select {private}.is_participant({private}.realtime_topic_session((select realtime.topic())))));
