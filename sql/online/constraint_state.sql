-- A constraint on a table (the table as regclass text): whether it is validated.
select c.convalidated from pg_constraint c where c.conrelid = to_regclass(%s) and c.conname = %s
