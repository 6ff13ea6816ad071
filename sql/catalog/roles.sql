-- Role names by oid, to name policy roles client-side (cheaper than a subquery per policy).
select oid::bigint as oid, rolname::text as name
  from pg_roles
 order by oid
