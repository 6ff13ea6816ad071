-- The index schema.name, if there is one: whether it is valid (an INVALID index is what a failed
-- CREATE INDEX CONCURRENTLY leaves behind).
select i.indisvalid
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_index i on i.indexrelid = c.oid
 where n.nspname = %s and c.relname = %s
