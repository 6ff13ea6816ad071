-- One application of a unit (version is '' when the unit has no migration file).
insert into samia.ledger (unit, version, checksum, samia_version) values (%s, %s, %s, %s)
