-- Benchmark database for `samia diff` vs migra: 1,000 tables, 1,000 indexes, 5,000 policies.
-- Set-based: each kind of object is produced by one SELECT ... string_agg and executed once.
-- Variant: select set_config('samia_bench.variant', 'a' | 'b', false) before running this script.
-- Variant b differs slightly: 10 select policies use `true`, 5 indexes are missing, 3 extra tables,
-- RLS disabled on 2 tables.
do $bench$
declare
  v text := coalesce(nullif(current_setting('samia_bench.variant', true), ''), 'a');
  owner_check text := 'owner_id = (select nullif(current_setting(''request.jwt.claim.sub'', true), '''')::uuid)';
begin
  if not exists (select 1 from pg_roles where rolname = 'bench_user') then
    create role bench_user nologin;
  end if;

  execute (
    select string_agg(format(
      'create table public.%1$I (id bigint not null, owner_id uuid, org_id integer, body text, '
      'status text not null default %2$L, created_at timestamptz not null default now()); '
      'alter table public.%1$I enable row level security;',
      'bench_' || lpad(i::text, 4, '0'), 'open'), ' ')
    from generate_series(1, case when v = 'b' then 1003 else 1000 end) as i);

  execute (
    select string_agg(format('create index %I on public.%I (owner_id, created_at desc);',
      'bench_' || lpad(i::text, 4, '0') || '_owner_idx', 'bench_' || lpad(i::text, 4, '0')), ' ')
    from generate_series(1, 1000) as i
    where v = 'a' or i % 200 <> 7);

  execute (
    select string_agg(format('create policy %I on public.%I for %s to bench_user%s%s;',
      'p_' || cmd, 'bench_' || lpad(i::text, 4, '0'), cmd,
      case when cmd = 'insert' then ''
           when v = 'b' and cmd = 'select' and i % 100 = 3 then ' using (true)'
           else format(' using (%s and status = any (array[%L, %L]))', owner_check, 'open', 'closed') end,
      case when cmd in ('insert', 'update', 'all') then format(' with check (%s)', owner_check) else '' end),
      ' ')
    from generate_series(1, 1000) as i
    cross join unnest(array['select', 'insert', 'update', 'delete', 'all']) as cmd);

  if v = 'b' then
    alter table public.bench_0500 disable row level security;
    alter table public.bench_0750 disable row level security;
  end if;
end
$bench$;
