insert into storage.buckets (id, name, public) values (%(id)s, %(id)s, false) on conflict (id) do nothing
