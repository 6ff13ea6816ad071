-- Policies on the chat-related tables and on storage.objects, ordered by table, command, name.
select n.nspname || '.' || c.relname as "table",
       p.polname::text as name,
       case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update'
                     when 'd' then 'delete' else 'all' end as command,
       p.polpermissive as permissive,
       case when p.polroles = '{0}'::oid[] then array['public']::text[]
            else array(select r.rolname::text from pg_roles r where r.oid = any(p.polroles) order by 1)
       end as roles
  from pg_policy p
  join pg_class c on c.oid = p.polrelid
  join pg_namespace n on n.oid = c.relnamespace
 where (n.nspname = %(schema)s
        and (c.relname like 'chat\_%%' or c.relname in ('profiles', 'messages', 'voice_notes')))
    or (n.nspname = 'storage' and c.relname = 'objects')
 order by 1, 3, 2
