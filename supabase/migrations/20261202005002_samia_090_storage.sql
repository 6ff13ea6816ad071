-- samia: the private chat-files bucket; objects live at {session_id}/{user_id}/{filename}.
-- Only this bucket's row and this bucket's policies are touched; other buckets stay as they are.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('chat-files', 'chat-files', false, 10485760, array['audio/wav', 'audio/mpeg', 'audio/ogg', 'audio/webm', 'audio/webm;codecs=opus', 'audio/mp4', 'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'text/plain']::text[])
on conflict (id) do update
  set public = false,
      file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types;

drop policy if exists chat_files_select on storage.objects;
create policy chat_files_select on storage.objects
  as permissive for select to authenticated
  using (bucket_id = 'chat-files' and ((select chat_private.has_role(array['monitor', 'admin', 'super_admin']::text[])) or (storage.foldername(name))[1] in (select chat_private.my_session_folders())));

drop policy if exists chat_files_insert on storage.objects;
create policy chat_files_insert on storage.objects
  as permissive for insert to authenticated
  with check (bucket_id = 'chat-files' and array_length(storage.foldername(name), 1) = 2 and storage.filename(name) not in ('.', '..') and (
    ((select chat_private.has_role(array['client', 'reader']::text[])) and (storage.foldername(name))[2] = (select auth.uid())::text and (storage.foldername(name))[1] in (select chat_private.my_active_session_folders())) or (select chat_private.has_role(array['super_admin']::text[]))
  ));

drop policy if exists chat_files_update on storage.objects;
create policy chat_files_update on storage.objects
  as permissive for update to authenticated
  using (bucket_id = 'chat-files' and (((select chat_private.has_role(array['client', 'reader']::text[])) and (storage.foldername(name))[2] = (select auth.uid())::text and (storage.foldername(name))[1] in (select chat_private.my_session_folders())) or (select chat_private.has_role(array['super_admin']::text[]))))
  with check (bucket_id = 'chat-files' and array_length(storage.foldername(name), 1) = 2 and storage.filename(name) not in ('.', '..') and (
    ((select chat_private.has_role(array['client', 'reader']::text[])) and (storage.foldername(name))[2] = (select auth.uid())::text and (storage.foldername(name))[1] in (select chat_private.my_active_session_folders())) or (select chat_private.has_role(array['super_admin']::text[]))
  ));

drop policy if exists chat_files_delete on storage.objects;
create policy chat_files_delete on storage.objects
  as permissive for delete to authenticated
  using (bucket_id = 'chat-files' and (((select chat_private.has_role(array['client', 'reader']::text[])) and (storage.foldername(name))[2] = (select auth.uid())::text and (storage.foldername(name))[1] in (select chat_private.my_session_folders())) or (select chat_private.has_role(array['admin', 'super_admin']::text[]))));
