insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
values (%(id)s, 'authenticated', 'authenticated', %(email)s, %(app_metadata)s, '{{}}'::jsonb)
on conflict (id) do nothing
