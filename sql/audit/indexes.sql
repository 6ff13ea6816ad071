-- Indexes of the chat-related tables: method (btree, gin, ...), uniqueness, partial predicate.
select c.relname::text as "table",
       ic.relname::text as name,
       am.amname::text as method,
       i.indisunique as "unique",
       i.indisprimary as "primary",
       pg_get_expr(i.indpred, i.indrelid, true) as predicate,
       pg_get_indexdef(i.indexrelid) as definition
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_class c on c.oid = i.indrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_am am on am.oid = ic.relam
 where n.nspname = %(schema)s
   and (c.relname like 'chat\_%%' or c.relname in ('profiles', 'messages', 'voice_notes'))
 order by c.relname, ic.relname
