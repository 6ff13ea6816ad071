-- Validated CHECK (col IS NOT NULL) constraints: with one, SET NOT NULL skips its full-table scan.
select c.conrelid::regclass::text, substring(pg_get_constraintdef(c.oid) from '^CHECK \(\("?([^")]+)"? IS NOT NULL\)\)$')
  from pg_constraint c
 where c.contype = 'c' and c.convalidated
   and pg_get_constraintdef(c.oid) ~ '^CHECK \(\("?[^")]+"? IS NOT NULL\)\)$'
