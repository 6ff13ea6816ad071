-- samia: schemas. chat_private holds helpers that policies call; it is not exposed by PostgREST.
create schema if not exists public;
create schema if not exists chat_private;
revoke all on schema chat_private from public;
grant usage on schema chat_private to authenticated, service_role;
