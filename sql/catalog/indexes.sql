-- Indexes of tables in the given schemas. Parameter: %(schemas)s (text[]).
select n.nspname as schema,
       t.relname as "table",
       ic.relname as name,
       am.amname as method,
       array(select case when i.indkey[k - 1] <> 0
                         then (select quote_ident(a.attname) from pg_attribute a
                                where a.attrelid = i.indrelid and a.attnum = i.indkey[k - 1])
                         else pg_get_indexdef(i.indexrelid, k, true) end
               from generate_series(1, i.indnkeyatts) as k order by k) as columns,
       pg_get_expr(i.indpred, i.indrelid, true) as predicate,
       i.indisunique as "unique",
       i.indisprimary as "primary",
       pg_get_indexdef(i.indexrelid) as definition,
       con.conname as constraint
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_class t on t.oid = i.indrelid
  join pg_namespace n on n.oid = ic.relnamespace
  join pg_am am on am.oid = ic.relam
  left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid
                             and con.contype in ('p', 'u', 'x')
 where n.nspname = any(%(schemas)s::name[])
   and t.relkind in ('r', 'p', 'm')
   and not t.relispartition
   and not exists (select 1 from pg_depend e
                    where e.classid = 'pg_class'::regclass and e.objid = t.oid and e.deptype = 'e')
 order by n.nspname, ic.relname
