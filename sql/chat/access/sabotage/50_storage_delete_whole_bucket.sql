-- the storage delete policy only checks the bucket (any signed-in user removes any object it can see)
-- caught by: chat_files.delete
drop policy chat_files_delete on storage.objects;
create policy chat_files_delete on storage.objects as permissive for delete to authenticated
  using (bucket_id = {bucket});
