-- Which optional Supabase / samia relations exist in this database.
select to_regclass('storage.buckets') is not null as buckets,
       to_regclass('storage.objects') is not null as objects,
       to_regclass('samia.ledger') is not null as ledger,
       to_regclass('supabase_migrations.schema_migrations') is not null as schema_migrations
