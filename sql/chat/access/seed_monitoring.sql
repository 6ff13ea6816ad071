insert into {schema}.chat_monitoring (user_id, event_type, session_id) values (%(user_id)s, %(event)s, %(session_id)s)
