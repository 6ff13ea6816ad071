insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata)
values (%(id)s, %(bucket)s, %(name)s, %(owner)s, %(owner)s::text,
        jsonb_build_object('mimetype', 'text/plain', 'size', 12))
