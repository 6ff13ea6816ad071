-- The latest samia.ledger row of every unit, ordered by unit.
select distinct on (unit) unit, version, checksum, applied_at, applied_by
  from samia.ledger
 order by unit, id desc
