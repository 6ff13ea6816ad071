-- Supabase storage buckets (run only when storage.buckets exists).
select id::text as id,
       public,
       file_size_limit::bigint as file_size_limit,
       allowed_mime_types::text[] as allowed_mime_types
  from storage.buckets
 order by id
