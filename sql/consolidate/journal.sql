-- The storage journal of a consolidation (resumable moves): one row per object to move or keep.
create table if not exists {journal} (
  id bigint generated always as identity primary key,
  source_bucket text not null,
  source_name text not null,
  target_bucket text,
  target_name text,
  ref_table text,
  ref_id text,
  mimetype text,
  state text not null default 'pending' check (state in ('pending', 'moved', 'kept')),
  reason text,
  updated_at timestamptz not null default now()
);
revoke all on table {journal} from public;
create index if not exists {index} on {journal} (source_bucket, source_name);
