-- the insert check dropped: an author can write notes as someone else
drop policy notes_insert on {schema}.notes;
create policy notes_insert on {schema}.notes for insert to authenticated with check (true);
