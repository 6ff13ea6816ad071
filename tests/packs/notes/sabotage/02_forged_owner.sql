-- the insert check dropped: an author can write notes as someone else
-- caught by: notes.insert
drop policy notes_insert on {schema}.notes;
create policy notes_insert on {schema}.notes for insert to authenticated with check (true);
