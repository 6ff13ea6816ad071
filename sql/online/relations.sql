-- Each name as written in a statement, resolved now (search_path applies): the relation, its kind,
-- schema and name, and for an index its table and whether it is valid. Missing names: nulls.
select n.name, c.oid::regclass::text as relation, c.relkind::text as kind, ns.nspname as schema,
       c.relname as relname, i.indrelid::regclass::text as index_table, i.indisvalid as valid,
       tc.relkind::text as index_table_kind
  from unnest(%s::text[]) as n(name)
  left join pg_class c on c.oid = to_regclass(n.name)
  left join pg_namespace ns on ns.oid = c.relnamespace
  left join pg_index i on i.indexrelid = c.oid
  left join pg_class tc on tc.oid = i.indrelid
