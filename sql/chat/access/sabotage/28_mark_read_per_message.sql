-- marking read updates every message (O(n), and one reader's read clears everyone's unread count)
-- caught by: chat_messages.mark_read
create or replace function {private}.mark_read(p_session_id uuid) returns integer
language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_count integer;
begin
  update {schema}.chat_messages set read_at = now(), status = 'read'
   where session_id = p_session_id and sender_id <> auth.uid() and read_at is null;
  get diagnostics v_count = row_count;
  insert into {schema}.chat_read_cursors (session_id, user_id, read_at)
  select p_session_id, u, now() from unnest((select participants from {schema}.chat_sessions where id = p_session_id)) u
  on conflict (session_id, user_id) do update set read_at = excluded.read_at;
  return v_count;
end
$fn$;
