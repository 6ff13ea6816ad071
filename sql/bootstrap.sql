-- samia-schema: Supabase compatibility bootstrap for plain PostgreSQL.
-- Creates only what is missing of the Supabase parts the packs' schemas rely on; on a database that
-- already has them (a real supabase/postgres image, or a second run) it changes nothing.
-- Sent as one simple-protocol query; every statement is idempotent on its own.

do $bootstrap$
declare
  r record;
begin
  -- API roles, as Supabase defines them.
  for r in select * from (values
      ('anon', 'nologin noinherit', '3s'),
      ('authenticated', 'nologin noinherit', '8s'),
      ('service_role', 'nologin noinherit bypassrls', null),
      ('supabase_auth_admin', 'nologin noinherit createrole', null),
      ('supabase_storage_admin', 'nologin noinherit createrole', null),
      ('supabase_realtime_admin', 'nologin noinherit', null)
    ) as t(name, attrs, timeout)
  loop
    if not exists (select 1 from pg_roles where rolname = r.name) then
      execute format('create role %I %s', r.name, r.attrs);
      if r.timeout is not null then
        execute format('alter role %I set statement_timeout = %L', r.name, r.timeout);
      end if;
    end if;
  end loop;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'postgres') then
    create role postgres login createrole createdb replication bypassrls;
  end if;
  -- PostgREST switches from authenticator to the API roles; postgres may SET ROLE to them.
  for r in select u.name as member, g.name as grp
           from (values ('authenticator'), ('postgres')) u(name)
           cross join (values ('anon'), ('authenticated'), ('service_role')) g(name)
  loop
    if not exists (
      select 1 from pg_auth_members m
      join pg_roles gr on gr.oid = m.roleid join pg_roles mr on mr.oid = m.member
      where gr.rolname = r.grp and mr.rolname = r.member
    ) and r.member <> current_user then
      execute format('grant %I to %I', r.grp, r.member);
    end if;
  end loop;
end
$bootstrap$;

-- auth: users and the identity helpers (current Supabase semantics: both GUC styles).
do $auth$
declare
  r record;
begin
  if not exists (select 1 from pg_namespace where nspname = 'auth') then
    create schema auth authorization supabase_auth_admin;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;
  if to_regclass('auth.users') is null then
    create table auth.users (
      instance_id uuid,
      id uuid primary key,
      aud varchar(255),
      role varchar(255),
      email varchar(255),
      encrypted_password varchar(255),
      email_confirmed_at timestamptz,
      phone text,
      raw_app_meta_data jsonb not null default '{}'::jsonb,
      raw_user_meta_data jsonb not null default '{}'::jsonb,
      is_super_admin boolean,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_sign_in_at timestamptz,
      banned_until timestamptz,
      deleted_at timestamptz,
      is_sso_user boolean not null default false,
      is_anonymous boolean not null default false
    );
    alter table auth.users owner to supabase_auth_admin;
    alter table auth.users enable row level security;
    grant all on table auth.users to service_role;
  end if;
  -- auth.uid() / role() / email(): the legacy per-claim GUC first, then request.jwt.claims (GoTrue's
  -- current definitions).
  for r in select * from (values ('uid', 'uuid', 'sub'), ('role', 'text', 'role'), ('email', 'text', 'email'))
           as t(fn, type, claim)
  loop
    if to_regprocedure(format('auth.%I()', r.fn)) is null then
      execute format($create$
        create function auth.%1$I() returns %2$s language sql stable as $fn$
          select coalesce(
            nullif(current_setting('request.jwt.claim.%3$s', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> %4$L)
          )::%2$s
        $fn$$create$, r.fn, r.type, r.claim, r.claim);
      execute format('alter function auth.%I() owner to supabase_auth_admin', r.fn);
    end if;
  end loop;
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb language sql stable as $fn$
      select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $fn$;
    alter function auth.jwt() owner to supabase_auth_admin;
  end if;
end
$auth$;

-- storage: buckets, objects, the path helpers, and what the Storage API's tenant migrations add that
-- the verifier relies on: the delete protection (migration `prevent-direct-deletes`: a statement-level
-- BEFORE DELETE trigger on both tables raising 42501 unless storage.allow_delete_query = 'true', which
-- the API sets in every request transaction), storage.search() (what a list request runs, security
-- invoker) and storage.operation(). The protection is created with the tables it guards: a database
-- whose storage tables exist already keeps whatever its Storage API version installed.
do $storage$
begin
  if not exists (select 1 from pg_namespace where nspname = 'storage') then
    create schema storage authorization supabase_storage_admin;
    grant usage on schema storage to anon, authenticated, service_role;
  end if;
  if to_regprocedure('storage.protect_delete()') is null
     and (to_regclass('storage.buckets') is null or to_regclass('storage.objects') is null) then
    create function storage.protect_delete() returns trigger language plpgsql as $fn$
    begin
      if coalesce(current_setting('storage.allow_delete_query', true), '') <> 'true' then
        raise exception 'direct deletes from storage tables are refused: delete through the Storage API, '
                        'or set storage.allow_delete_query = ''true'' in the transaction'
          using errcode = '42501';
      end if;
      return null;
    end
    $fn$;
    alter function storage.protect_delete() owner to supabase_storage_admin;
  end if;
  if to_regclass('storage.buckets') is null then
    create table storage.buckets (
      id text primary key,
      name text not null unique,
      owner uuid,
      owner_id text,
      public boolean not null default false,
      avif_autodetection boolean not null default false,
      file_size_limit bigint,
      allowed_mime_types text[],
      type text not null default 'STANDARD',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    alter table storage.buckets owner to supabase_storage_admin;
    alter table storage.buckets enable row level security;
    grant all on table storage.buckets to anon, authenticated, service_role;
    create trigger protect_buckets_delete before delete on storage.buckets
      for each statement execute function storage.protect_delete();
  end if;
  if to_regclass('storage.objects') is null then
    create table storage.objects (
      id uuid primary key default gen_random_uuid(),
      bucket_id text references storage.buckets (id),
      name text,
      owner uuid,
      owner_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_accessed_at timestamptz not null default now(),
      metadata jsonb,
      path_tokens text[] generated always as (string_to_array(name, '/')) stored,
      version text,
      user_metadata jsonb
    );
    create unique index bucketid_objname on storage.objects (bucket_id, name);
    create index name_prefix_search on storage.objects (name text_pattern_ops);
    alter table storage.objects owner to supabase_storage_admin;
    alter table storage.objects enable row level security;
    grant all on table storage.objects to anon, authenticated, service_role;
    create trigger protect_objects_delete before delete on storage.objects
      for each statement execute function storage.protect_delete();
  end if;
  if to_regprocedure('storage.foldername(text)') is null then
    create function storage.foldername(name text) returns text[] language plpgsql immutable as $fn$
    declare
      _parts text[];
    begin
      select string_to_array(name, '/') into _parts;
      return _parts[1:array_length(_parts, 1) - 1];
    end
    $fn$;
    alter function storage.foldername(text) owner to supabase_storage_admin;
  end if;
  if to_regprocedure('storage.filename(text)') is null then
    create function storage.filename(name text) returns text language plpgsql immutable as $fn$
    declare
      _parts text[];
    begin
      select string_to_array(name, '/') into _parts;
      return _parts[array_length(_parts, 1)];
    end
    $fn$;
    alter function storage.filename(text) owner to supabase_storage_admin;
  end if;
  if to_regprocedure('storage.extension(text)') is null then
    create function storage.extension(name text) returns text language plpgsql immutable as $fn$
    declare
      _parts text[];
      _filename text;
    begin
      select string_to_array(name, '/') into _parts;
      select _parts[array_length(_parts, 1)] into _filename;
      return reverse(split_part(reverse(_filename), '.', 1));
    end
    $fn$;
    alter function storage.extension(text) owner to supabase_storage_admin;
  end if;
  if to_regprocedure('storage.operation()') is null then
    create function storage.operation() returns text language sql stable as $fn$
      select current_setting('storage.operation', true)
    $fn$;
    alter function storage.operation() owner to supabase_storage_admin;
  end if;
  -- A list request: the entries one level below `prefix` whose names start with prefix || search
  -- (case-insensitive), folders (id null) first, then files; `levels` is the level listed (the API
  -- passes the number of '/'-separated parts of prefix || search); names are that level's segment.
  -- Security invoker: the caller sees only what its SELECT policies let it see.
  if not exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'storage' and p.proname = 'search') then
    create function storage.search(prefix text, bucketname text, limits integer default 100,
                                   levels integer default 1, offsets integer default 0,
                                   search text default '', sortcolumn text default 'name',
                                   sortorder text default 'asc')
    returns table (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                   last_accessed_at timestamptz, metadata jsonb)
    language sql stable security invoker as $fn$
      with matching as (
        select o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata,
               string_to_array(o.name, '/') as parts
          from storage.objects o
         where o.bucket_id = bucketname
           and starts_with(lower(o.name), lower(coalesce(prefix, '') || coalesce(search, '')))
      ), entries as (
        select distinct m.parts[levels] as name, null::uuid as id, null::timestamptz as updated_at,
               null::timestamptz as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata,
               true as folder
          from matching m
         where array_length(m.parts, 1) > levels
        union all
        select m.parts[levels], m.id, m.updated_at, m.created_at, m.last_accessed_at, m.metadata, false
          from matching m
         where array_length(m.parts, 1) = levels
      ), sorting as (
        select e.*, lower(coalesce(sortorder, 'asc')) <> 'desc' as ascending,
               case when e.folder then 'name' else lower(coalesce(sortcolumn, 'name')) end as by
          from entries e
      )
      select s.name, s.id, s.updated_at, s.created_at, s.last_accessed_at, s.metadata
        from sorting s
       order by s.folder desc,
                case when s.ascending and s.by = 'updated_at' then s.updated_at end asc,
                case when not s.ascending and s.by = 'updated_at' then s.updated_at end desc,
                case when s.ascending and s.by = 'created_at' then s.created_at end asc,
                case when not s.ascending and s.by = 'created_at' then s.created_at end desc,
                case when s.ascending and s.by = 'last_accessed_at' then s.last_accessed_at end asc,
                case when not s.ascending and s.by = 'last_accessed_at' then s.last_accessed_at end desc,
                case when s.ascending then s.name end asc,
                case when not s.ascending then s.name end desc
       limit least(coalesce(limits, 100), 1500) offset coalesce(offsets, 0)
    $fn$;
    alter function storage.search(text, text, integer, integer, integer, text, text, text)
      owner to supabase_storage_admin;
    grant execute on function storage.search(text, text, integer, integer, integer, text, text, text)
      to anon, authenticated, service_role;
  end if;
end
$storage$;

-- realtime publication and the Supabase CLI's migration history.
do $misc$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if not exists (select 1 from pg_namespace where nspname = 'supabase_migrations') then
    create schema supabase_migrations;
  end if;
  if to_regclass('supabase_migrations.schema_migrations') is null then
    create table supabase_migrations.schema_migrations (
      version text primary key,
      statements text[],
      name text
    );
  end if;
end
$misc$;

-- realtime: what private channels rely on (Realtime Authorization and database broadcasts), with the
-- semantics of Realtime's tenant migrations: realtime.messages (RLS on: SELECT decides who may receive
-- on a topic, INSERT who may send), realtime.topic() (the topic being authorised), realtime.send()
-- (one private broadcast row; never fails the caller) and realtime.broadcast_changes() (a row change
-- as old_record/record). On a Supabase database these exist and nothing here runs. Realtime's server
-- creates the daily partitions of realtime.messages; without it, a default partition takes every row.
do $realtime$
begin
  if to_regclass('realtime.messages') is null then
    if to_regnamespace('realtime') is null then  -- no messages table without the schema
      create schema realtime authorization supabase_realtime_admin;
      grant usage on schema realtime to anon, authenticated, service_role;
    end if;
    create table realtime.messages (
      topic text not null,
      extension text not null,
      payload jsonb,
      event text,
      private boolean default false,
      updated_at timestamp not null default now(),
      inserted_at timestamp not null default now(),
      id uuid not null default gen_random_uuid(),
      binary_payload bytea,
      constraint messages_payload_exclusive check (payload is null or binary_payload is null),
      constraint messages_pkey primary key (id, inserted_at)
    ) partition by range (inserted_at);
    create table realtime.messages_default partition of realtime.messages default;
    create index messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
      where extension = 'broadcast' and private is true;
    alter table realtime.messages owner to supabase_realtime_admin;
    alter table realtime.messages_default owner to supabase_realtime_admin;
    alter table realtime.messages enable row level security;
    grant select, insert, update on table realtime.messages to anon, authenticated, service_role;
  end if;
  if to_regprocedure('realtime.topic()') is null then
    create function realtime.topic() returns text language sql stable as $fn$
      select nullif(current_setting('realtime.topic', true), '')
    $fn$;
    alter function realtime.topic() owner to supabase_realtime_admin;
  end if;
  -- A private broadcast on `topic`: the payload gets an `id` (the row's) unless it has one; the topic
  -- is set for the transaction (as Realtime does) so that insert policies can read it. An error is
  -- only a warning: a broadcast never breaks the write that sent it.
  if to_regprocedure('realtime.send(jsonb, text, text, boolean)') is null then
    create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
    returns void language plpgsql as $fn$
    declare
      v_row_id uuid := gen_random_uuid();
    begin
      begin
        perform set_config('realtime.topic', topic, true);
        insert into realtime.messages (id, payload, event, topic, private, extension)
        values (v_row_id,
                case when payload ? 'id' then payload else jsonb_set(payload, '{id}', to_jsonb(v_row_id)) end,
                event, topic, private, 'broadcast');
      exception when others then
        raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
      end;
    end
    $fn$;
    alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
  end if;
  if to_regprocedure('realtime.broadcast_changes(text, text, text, text, text, record, record, text)') is null then
    create function realtime.broadcast_changes(topic_name text, event_name text, operation text, table_name text,
                                               table_schema text, new record, old record, level text default 'ROW')
    returns void language plpgsql as $fn$
    begin
      if level = 'STATEMENT' then
        raise exception 'function can only be triggered for each row, not for each statement';
      end if;
      if operation is null or operation not in ('INSERT', 'UPDATE', 'DELETE') then
        raise exception 'Unexpected operation type: %', operation;
      end if;
      perform realtime.send(jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
                                               'table', table_name, 'schema', table_schema),
                            event_name, topic_name);
    exception when others then
      raise exception 'Failed to process the row: %', sqlerrm;
    end
    $fn$;
    alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
      owner to supabase_realtime_admin;
  end if;
end
$realtime$;
