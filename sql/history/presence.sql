-- Which of the two histories exist: samia's ledger, the Supabase CLI's schema_migrations.
select to_regclass('samia.ledger') is not null as ledger,
       to_regclass('supabase_migrations.schema_migrations') is not null as migrations
