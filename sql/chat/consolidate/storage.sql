-- The storage journal: every object a migrated row refers to moves to the chat bucket at the row's new
-- path (already there: done); objects of the legacy chat buckets that no migrated row refers to
-- stay where they are, with the reason. Other buckets are not listed (never touched).
insert into {archive}.samia_storage_moves (source_bucket, source_name, target_bucket, target_name, ref_table, ref_id,
                                          mimetype, state, reason)
select st.legacy_bucket, st.legacy_name, %(bucket)s, st.file_path, st.source, st.id::text, st.object_mime,
       case when st.object_id is null then 'kept'
            when st.legacy_bucket = %(bucket)s and st.legacy_name = st.file_path then 'moved' else 'pending' end,
       case when st.object_id is null then 'the object does not exist'
            when st.legacy_bucket = %(bucket)s and st.legacy_name = st.file_path then 'already in place' end
  from samia_staged st
 where st.skip_reason is null and st.legacy_name is not null;
insert into {archive}.samia_storage_moves (source_bucket, source_name, ref_table, ref_id, state, reason)
select o.bucket_id, o.name, st.source, st.id::text, 'kept',
       case when st.id is null then 'no row refers to it' else 'its row was not migrated: ' || st.skip_reason end
  from storage.objects o
  left join samia_staged st on st.legacy_bucket = o.bucket_id and st.legacy_name = o.name
 where o.bucket_id = any (%(legacy_buckets)s)
   and not exists (select 1 from {archive}.samia_storage_moves j where j.source_bucket = o.bucket_id and j.source_name = o.name);
