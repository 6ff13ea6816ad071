-- The storage plan in groups: per source bucket and path layout (ids shown as {{uuid}}, the file name
-- as {{file}}), target bucket, state and reason, how many objects and one example.
select j.source_bucket,
       regexp_replace(regexp_replace(j.source_name, '[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}',
                                     '{{uuid}}', 'g'), '[^/]+$', '{{file}}') layout,
       coalesce(j.target_bucket, '') target_bucket, j.state,
       case when (j.source_bucket, j.source_name) is not distinct from (j.target_bucket, j.target_name)
            then 'already in place' else coalesce(j.reason, '') end reason,
       count(*) objects, min(j.source_name || coalesce(' -> ' || j.target_name, '')) example
  from {journal} j
 group by 1, 2, 3, 4, 5
 order by 1, 2, 4, 5
