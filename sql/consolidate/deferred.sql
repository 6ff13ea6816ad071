-- What a bulk fill of the given tables defers: their secondary indexes (not the ones behind a
-- primary key, unique or exclusion constraint) and foreign keys, with the definitions Postgres
-- prints (so that the rebuilt objects equal the dropped ones), and their enabled user triggers.
-- Parameters: %(tables)s (regclass[]: deferred indexes and foreign keys), %(quiet)s (regclass[]:
-- triggers switched off).
select 'index' as kind, n.nspname as schema, t.relname as "table", ic.relname as name,
       pg_get_indexdef(i.indexrelid) as definition
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_class t on t.oid = i.indrelid
  join pg_namespace n on n.oid = t.relnamespace
 where i.indrelid = any(%(tables)s::regclass[])
   and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.contype in ('p', 'u', 'x'))
union all
select 'foreign key', n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid)
  from pg_constraint c
  join pg_class t on t.oid = c.conrelid
  join pg_namespace n on n.oid = t.relnamespace
 where c.conrelid = any(%(tables)s::regclass[]) and c.contype = 'f'
union all
select 'trigger', n.nspname, t.relname, g.tgname, null
  from pg_trigger g
  join pg_class t on t.oid = g.tgrelid
  join pg_namespace n on n.oid = t.relnamespace
 where g.tgrelid = any(%(quiet)s::regclass[]) and not g.tgisinternal and g.tgenabled <> 'D'
 order by 1, 2, 3, 4
