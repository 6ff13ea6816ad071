-- Exact object count and total size (metadata.size) of every storage bucket.
select b.id::text as id,
       count(o.id)::bigint as objects,
       coalesce(sum(case when (o.metadata ->> 'size') ~ '^[0-9]+$' then (o.metadata ->> 'size')::bigint end), 0)::bigint
         as bytes
  from storage.buckets b
  left join storage.objects o on o.bucket_id = b.id
 group by b.id
 order by b.id
