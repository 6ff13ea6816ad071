-- A stand-in for the application's own profiles table (samia.profiles = "existing") on throwaway
-- databases (shadow, embedded verify): only what the templates rely on, id and role.
create table if not exists {schema}.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  role text
);
