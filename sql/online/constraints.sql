-- Constraints by (table as written, name): whether each exists and is validated.
select t.table_name, t.conname, c.convalidated
  from unnest(%s::text[], %s::text[]) as t(table_name, conname)
  join pg_constraint c on c.conrelid = to_regclass(t.table_name) and c.conname = t.conname
