-- row level security disabled on chat_sessions
-- caught by: chat_sessions.select
alter table {schema}.chat_sessions disable row level security;
