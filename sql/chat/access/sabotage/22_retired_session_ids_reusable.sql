-- the ids of deleted sessions are not retired: a new session can take one over (and its files)
-- caught by: chat_sessions.insert
create or replace function {private}.session_id_is_retired(p_id uuid) returns boolean
language sql stable set search_path = pg_catalog, pg_temp
as $fn$ select false $fn$;
