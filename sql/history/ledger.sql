-- samia's ledger, oldest application first.
select unit, version, checksum from samia.ledger order by id
