-- samia: realtime. Sessions and messages join supabase_realtime when the publication exists.
do $realtime$
declare
  v_table text;
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime' and not puballtables) then
    foreach v_table in array array['chat_sessions', 'chat_messages'] loop
      if not exists (
        select 1 from pg_publication_tables
        where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = v_table
      ) then
        execute format('alter publication supabase_realtime add table %I.%I', 'public', v_table);
      end if;
    end loop;
  end if;
end
$realtime$;
