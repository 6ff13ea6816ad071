-- Tables in the supabase_realtime publication, and whether the publication exists at all.
select exists (select 1 from pg_publication where pubname = 'supabase_realtime') as present,
       array(select pt.schemaname || '.' || pt.tablename from pg_publication_tables pt
              where pt.pubname = 'supabase_realtime' order by 1) as tables
