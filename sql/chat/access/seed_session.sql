insert into {schema}.chat_sessions (id, participants, created_by, type, status, title)
values (%(id)s, %(participants)s, %(created_by)s, 'direct', %(status)s, %(title)s)
