-- participants rewritable by any participant (guard trigger dropped)
-- caught by: chat_sessions.update
drop trigger chat_sessions_guard_update on {schema}.chat_sessions;
