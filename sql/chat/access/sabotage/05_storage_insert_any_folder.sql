-- the storage insert policy only checks auth.uid() is not null (any user writes into any folder)
-- caught by: chat_files.insert
drop policy chat_files_insert on storage.objects;
create policy chat_files_insert on storage.objects for insert to authenticated
  with check (bucket_id = {bucket} and (select auth.uid()) is not null);
