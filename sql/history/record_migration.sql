-- A migration file as the Supabase CLI records it (the same upsert as `migration repair --status applied`).
insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)
on conflict (version) do update set name = excluded.name, statements = excluded.statements
