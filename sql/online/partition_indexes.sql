-- The partitions of a partitioned table (%(table)s, as written) and, for each, the index attached to
-- the parent's index %(schema)s.%(index)s if there is one yet, with whether it is valid.
select pn.nspname as schema, pc.relname as partition, ci.relname as attached
  from pg_inherits i
  join pg_class pc on pc.oid = i.inhrelid
  join pg_namespace pn on pn.oid = pc.relnamespace
  left join lateral (
    select c.relname from pg_inherits ii
      join pg_class c on c.oid = ii.inhrelid
      join pg_index x on x.indexrelid = c.oid
     where ii.inhparent = (select pi.oid from pg_class pi join pg_namespace n on n.oid = pi.relnamespace
                            where n.nspname = %(schema)s and pi.relname = %(index)s)
       and x.indrelid = pc.oid
  ) ci on true
 where i.inhparent = %(table)s::regclass and pc.relkind = 'r'
 order by pc.relname
