-- Table constraints (primary key, foreign key, unique, check, exclusion).
-- Parameter: %(schemas)s (text[]). ref_table is 'schema.table' for foreign keys.
select n.nspname as schema,
       c.relname as "table",
       con.conname as name,
       con.contype::text as kind,
       array(select ka.attname::text
               from unnest(con.conkey) with ordinality k(attnum, ord)
               join pg_attribute ka on ka.attrelid = con.conrelid and ka.attnum = k.attnum
              order by k.ord) as columns,
       pg_get_constraintdef(con.oid, true) as definition,
       case when con.contype = 'f'
            then (select rn.nspname || '.' || rc.relname
                    from pg_class rc join pg_namespace rn on rn.oid = rc.relnamespace
                   where rc.oid = con.confrelid)
       end as ref_table
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
 where con.contype in ('p', 'f', 'u', 'c', 'x')
   and con.conparentid = 0  -- not the per-partition clones of a key that references a partitioned table
   and c.relkind in ('r', 'p')
   and not c.relispartition
   and n.nspname = any(%(schemas)s::name[])
 order by n.nspname, c.relname, con.conname
