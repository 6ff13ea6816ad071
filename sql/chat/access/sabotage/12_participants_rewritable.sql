-- participants rewritable by any participant (guard trigger dropped)
drop trigger chat_sessions_guard_update on {schema}.chat_sessions;
