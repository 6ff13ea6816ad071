-- the storage select policy only checks the bucket (every signed-in user downloads and lists every file)
-- caught by: chat_files.select
-- caught by: chat_files.list
drop policy chat_files_select on storage.objects;
create policy chat_files_select on storage.objects as permissive for select to authenticated
  using (bucket_id = {bucket});
