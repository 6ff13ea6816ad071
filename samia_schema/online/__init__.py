"""Online apply: the locks each statement takes, and the steps that run outside the transaction.

See docs/online-apply.md. `analysis` reads statements, `steps` turns pending units into a
transactional part and online steps against the live catalog, `run` executes the online steps.
"""
