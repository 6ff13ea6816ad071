-- clients choose a new session's id and server-owned columns (full insert grant, server-column trigger dropped)
-- caught by: chat_sessions.insert
grant insert on {schema}.chat_sessions to authenticated;
drop trigger chat_sessions_server_columns on {schema}.chat_sessions;
