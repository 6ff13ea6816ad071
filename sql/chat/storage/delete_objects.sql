-- deleteObjects: a remove request (one statement for every path); a refused path is simply absent
-- from what it returns.
delete from storage.objects
 where bucket_id = %(bucket)s
   and name = any(%(names)s::text[])
returning *
