-- findObject: one object by name (download, signed URL, the first step of a move); {lock} is
-- `for update` where the API locks the row it is about to rewrite.
select id, version, metadata, user_metadata
  from storage.objects
 where name = %(name)s
   and bucket_id = %(bucket)s
 limit 1
 {lock}
