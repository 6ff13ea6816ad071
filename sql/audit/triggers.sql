-- User triggers on the chat-related tables and on storage.objects.
select n.nspname || '.' || c.relname as "table",
       t.tgname::text as name,
       fn.nspname || '.' || f.proname as function,
       t.tgenabled <> 'D' as enabled,
       pg_get_triggerdef(t.oid) as definition
  from pg_trigger t
  join pg_class c on c.oid = t.tgrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_proc f on f.oid = t.tgfoid
  join pg_namespace fn on fn.oid = f.pronamespace
 where not t.tgisinternal
   and ((n.nspname = %(schema)s
         and (c.relname like 'chat\_%%' or c.relname in ('profiles', 'messages', 'voice_notes')))
        or (n.nspname = 'storage' and c.relname = 'objects'))
 order by 1, 2
