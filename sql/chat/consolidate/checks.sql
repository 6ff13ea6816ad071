-- What the triggers switched off during the fill (chat_sessions_check_participants) would have
-- refused, checked once for every migrated row: the fill fails (and rolls back) when a count is not 0.
select 'chat_sessions: participants not distinct', count(*)
  from {schema}.chat_sessions s
 where cardinality(s.participants) <> (select count(distinct p) from unnest(s.participants) p)
union all
select 'chat_sessions: a participant is not an existing user', count(*)
  from {schema}.chat_sessions s
 where exists (select 1 from unnest(s.participants) p where not exists (select 1 from auth.users u where u.id = p));
