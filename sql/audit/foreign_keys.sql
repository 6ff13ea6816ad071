-- Foreign keys of the chat-related tables (outgoing), ordered by table and name.
select c.relname::text as "table",
       con.conname::text as name,
       array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, ord)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord) as columns,
       rn.nspname || '.' || rc.relname as references,
       case con.confdeltype when 'a' then 'no action' when 'r' then 'restrict' when 'c' then 'cascade'
                            when 'n' then 'set null' when 'd' then 'set default' end as on_delete
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_class rc on rc.oid = con.confrelid
  join pg_namespace rn on rn.oid = rc.relnamespace
 where con.contype = 'f' and n.nspname = %(schema)s
   and (c.relname like 'chat\_%%' or c.relname in ('profiles', 'messages', 'voice_notes'))
 order by c.relname, con.conname
