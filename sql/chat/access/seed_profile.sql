insert into {schema}.profiles (id, role, display_name)
values (%(id)s, %(role)s, %(name)s)
on conflict (id) do update set role = excluded.role
