-- Upload permission test (createObject): an INSERT without RETURNING, rolled back by the caller.
insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version, user_metadata)
values (%(bucket)s, %(name)s, %(owner)s, %(owner_id)s, %(metadata)s, %(version)s, %(user_metadata)s)
