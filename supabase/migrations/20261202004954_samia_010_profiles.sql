-- samia: profiles (the app role lives here when role_source = 'profiles').
create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  role text not null default 'client'
    constraint profiles_role_check check (role = any (array['client', 'reader', 'monitor', 'admin', 'super_admin']::text[])),
  display_name text constraint profiles_display_name_check check (char_length(display_name) <= 120),
  avatar_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists profiles_role_idx on public.profiles (role);
alter table public.profiles enable row level security;
