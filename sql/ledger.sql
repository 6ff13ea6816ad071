-- samia's ledger, and the Supabase CLI's migration history (same shape the CLI creates).
create schema if not exists samia;
create table if not exists samia.ledger (
  id bigint generated always as identity primary key,
  unit text not null,
  version text not null,
  checksum text not null,
  applied_at timestamptz not null default now(),
  applied_by text not null default current_user,
  samia_version text not null
);
create index if not exists ledger_unit_idx on samia.ledger (unit, id desc);
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  statements text[],
  name text
);
-- the columns a newer CLI adds to a table an older CLI created (only when missing: the table may
-- belong to another role)
do $$
declare
  col record;
begin
  for col in select * from (values ('statements', 'text[]'), ('name', 'text')) as c(name, type)
              where not exists (select from pg_attribute
                                 where attrelid = 'supabase_migrations.schema_migrations'::regclass
                                   and attname = c.name and not attisdropped)
  loop
    execute format('alter table supabase_migrations.schema_migrations add column %I %s', col.name, col.type);
  end loop;
end
$$;
