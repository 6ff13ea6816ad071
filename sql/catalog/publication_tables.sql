-- Publication membership of tables in the given schemas. Parameter: %(schemas)s (text[]).
select pubname::text as publication,
       schemaname::text as schema,
       tablename::text as "table"
  from pg_publication_tables
 where schemaname = any(%(schemas)s::name[])
 order by pubname, schemaname, tablename
