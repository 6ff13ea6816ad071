-- Table and column privileges, owner's implicit rights excluded; grantee 'public' for PUBLIC.
-- Parameter: %(schemas)s (text[]).
select n.nspname as schema,
       c.relname as "table",
       null::text as "column",
       case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end as grantee,
       lower(a.privilege_type) as privilege
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  cross join lateral aclexplode(c.relacl) a
 where c.relkind in ('r', 'p', 'v', 'm', 'f')
   and c.relacl is not null
   and not c.relispartition
   and a.grantee <> c.relowner
   and n.nspname = any(%(schemas)s::name[])
union all
select n.nspname,
       c.relname,
       att.attname::text,
       case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end,
       lower(a.privilege_type)
  from pg_attribute att
  join pg_class c on c.oid = att.attrelid
  join pg_namespace n on n.oid = c.relnamespace
  cross join lateral aclexplode(att.attacl) a
 where att.attacl is not null
   and att.attnum > 0 and not att.attisdropped
   and c.relkind in ('r', 'p', 'v', 'm', 'f')
   and not c.relispartition
   and a.grantee <> c.relowner
   and n.nspname = any(%(schemas)s::name[])
 order by 1, 2, 3 nulls first, 4, 5
