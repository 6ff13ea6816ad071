-- Columns of the tables of tables.sql, in column order. Parameter: %(schemas)s (text[]).
-- generated: a stored generated column or an identity column.
select n.nspname as schema,
       c.relname as "table",
       a.attname as name,
       format_type(a.atttypid, a.atttypmod) as type,
       a.attnotnull as not_null,
       -- a plain DEFAULT cannot reference columns: deparse it without opening the relation
       pg_get_expr(d.adbin, case when a.attgenerated <> '' then d.adrelid else 0 end) as "default",
       a.attgenerated <> '' or a.attidentity <> '' as generated
  from pg_attribute a
  join pg_class c on c.oid = a.attrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where c.relkind in ('r', 'p')
   and not c.relispartition
   and a.attnum > 0
   and not a.attisdropped
   and n.nspname = any(%(schemas)s::name[])
 order by n.nspname, c.relname, a.attnum
