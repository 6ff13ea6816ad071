-- The latest ledger row of every unit, plus every (version, checksum) ever recorded.
select distinct on (unit) unit, version, checksum, applied_at, applied_by
from samia.ledger
order by unit, id desc
