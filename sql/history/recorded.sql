-- The Supabase CLI's history, one row per version, as JSON: a table an old CLI created without the
-- name or statements column still reads (the missing keys are null).
select to_jsonb(m) as row from supabase_migrations.schema_migrations m
