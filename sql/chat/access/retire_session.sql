delete from {schema}.chat_sessions where id = %(id)s
