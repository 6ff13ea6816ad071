-- the ids of deleted sessions are forgotten: a new session can take one over (and its files)
-- caught by: chat_sessions.insert
delete from {private}.retired_session_ids;
