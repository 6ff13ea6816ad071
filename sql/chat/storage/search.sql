-- searchObjects: a list request.
select * from storage.search(%(prefix)s, %(bucket)s, %(limit)s, %(levels)s, %(offset)s, %(search)s,
                             %(sortcolumn)s, %(sortorder)s)
