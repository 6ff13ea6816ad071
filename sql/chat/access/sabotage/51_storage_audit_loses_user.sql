-- the storage audit trigger back on the generic audit_row(): uploads the API finishes as the service role record no user
-- caught by: chat_files.insert
create or replace trigger chat_files_audit_write
  after insert or update on storage.objects
  for each row when (new.bucket_id = {bucket})
  execute function {private}.audit_row('path');
