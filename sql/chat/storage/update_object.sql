-- updateObject: a move (name, bucket_id, version, owner, owner_id, and for the service role's
-- completion metadata and user_metadata); {assignments} lists them.
update storage.objects
   set {assignments}
 where bucket_id = %(bucket)s
   and name = %(name)s
returning *
