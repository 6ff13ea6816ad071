-- a `using (true)` read policy on notes: every author reads every note
-- caught by: notes.select
create policy sabotage_all on {schema}.notes for select to authenticated using (true);
