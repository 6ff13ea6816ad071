-- row level security disabled on chat_sessions
alter table {schema}.chat_sessions disable row level security;
