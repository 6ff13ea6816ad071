-- the audit IP is the first x-forwarded-for entry, which the client writes
-- caught by: chat_audit_logs.client_ip
create or replace function {private}.request_origin() returns jsonb
language sql stable set search_path = pg_catalog, pg_temp
as $fn$ select jsonb_build_object('ip', btrim(split_part(
  nullif(current_setting('request.headers', true), '')::jsonb ->> 'x-forwarded-for', ',', 1))) $fn$;
