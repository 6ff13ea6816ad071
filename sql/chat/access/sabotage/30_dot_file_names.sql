-- file names `.` and `..` accepted in a message's file_path and file_name
-- caught by: chat_messages.insert
alter table {schema}.chat_messages drop constraint chat_messages_file_name_dots_check;
