"""A pgmq queue table without RLS that API roles may read while pgmq_public is exposed."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule

QUEUE_SCHEMA, QUEUE_PREFIX, QUEUE_API = "pgmq", "q_", "pgmq_public"


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.exposed(QUEUE_API):
        return
    for table in ctx.catalog.tables:
        if table.schema != QUEUE_SCHEMA or not table.name.startswith(QUEUE_PREFIX) or table.rls_enabled:
            continue
        readers = ctx.api_readers(table.schema, table.name)
        if readers:
            yield Finding(f"{table.schema}.{table.name}",
                          f"queue {table.name[len(QUEUE_PREFIX):]} readable by {', '.join(readers)} without RLS "
                          f"through {QUEUE_API}")


RULE = Rule("insecure_queue_exposed_in_api", "error", "Queue exposed through the API without RLS", "security",
            check)
