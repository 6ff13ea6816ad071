-- the file insert policy checks only the bucket: uploads into another user's folder
-- caught by: note_files.insert
drop policy note_files_insert on storage.objects;
create policy note_files_insert on storage.objects for insert to authenticated with check (bucket_id = {bucket});
