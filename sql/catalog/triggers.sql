-- User triggers (internal constraint triggers excluded). Parameter: %(schemas)s (text[]).
select n.nspname as schema,
       c.relname as "table",
       t.tgname as name,
       pg_get_triggerdef(t.oid) as definition,
       fn.nspname || '.' || f.proname as function,
       t.tgenabled <> 'D' as enabled
  from pg_trigger t
  join pg_class c on c.oid = t.tgrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_proc f on f.oid = t.tgfoid
  join pg_namespace fn on fn.oid = f.pronamespace
 where not t.tgisinternal
   and not c.relispartition  -- triggers cloned from a partitioned parent
   and n.nspname = any(%(schemas)s::name[])
 order by n.nspname, c.relname, t.tgname
