-- no cap on the rows one request writes (a bulk POST of thousands of messages)
-- caught by: chat_messages.bulk_write
create or replace function {private}.count_request_row(p_table text) returns void
language sql volatile set search_path = pg_catalog, pg_temp
as $fn$ select $fn$;
