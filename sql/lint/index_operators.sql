-- For every key column of every index in %(schemas)s: the operators its operator family serves
-- (e.g. '=' for btree, '@>' '&&' '<@' '=' for GIN array_ops). Ordered by schema, index, position.
select n.nspname::text as schema,
       ic.relname::text as index,
       k.pos as position,
       array(select distinct o.oprname::text
               from pg_amop ao join pg_operator o on o.oid = ao.amopopr
              where ao.amopfamily = oc.opcfamily and ao.amoppurpose = 's'
              order by 1) as operators
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_namespace n on n.oid = ic.relnamespace
  cross join lateral generate_series(1, i.indnkeyatts) as k(pos)
  join pg_opclass oc on oc.oid = i.indclass[k.pos - 1]
 where n.nspname = any(%(schemas)s::name[])
 order by n.nspname, ic.relname, k.pos
