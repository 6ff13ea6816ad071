-- Every legacy row that is not migrated, with its reason (the report counts them per table and reason).
create table if not exists {archive}.samia_skipped (
  source_table text not null,
  source_id text not null,
  reason text not null,
  primary key (source_table, source_id)
);
