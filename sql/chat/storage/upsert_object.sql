-- upsertObject: the upsert permission test, and how the service role writes the finished upload.
-- {assignments}: `col = excluded.col` for each column the request carries (metadata, version, and
-- user_metadata / owner / owner_id when they are set).
insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version, user_metadata)
values (%(bucket)s, %(name)s, %(owner)s, %(owner_id)s, %(metadata)s, %(version)s, %(user_metadata)s)
on conflict (name, bucket_id) do update set {assignments}
returning *
