-- Which of the inserted rows the current role may see (a visible row: it may receive that extension).
select m.id from realtime.messages m where m.id = any(%(ids)s::uuid[])
