insert into {schema}.profiles (id, role)
values (%(id)s, %(role)s)
on conflict (id) do update set role = excluded.role
