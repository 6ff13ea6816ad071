-- Every storage bucket with its privacy, limits and exact object count / total size (metadata.size).
select b.id::text as id,
       b.public as public,
       b.file_size_limit as file_size_limit,
       b.allowed_mime_types::text[] as allowed_mime_types,
       count(o.id)::bigint as objects,
       coalesce(sum(case when (o.metadata ->> 'size') ~ '^[0-9]+$' then (o.metadata ->> 'size')::bigint end), 0)::bigint
         as bytes
  from storage.buckets b
  left join storage.objects o on o.bucket_id = b.id
 group by b.id, b.public, b.file_size_limit, b.allowed_mime_types
 order by b.id
