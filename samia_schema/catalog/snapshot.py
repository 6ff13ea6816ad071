"""Read a live database into a `Catalog`: one catalog query per object kind, pipelined."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from samia_schema.catalog import model
from samia_schema.errors import DatabaseError, first_line
from samia_schema.resources import static_sql

SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
KINDS = ("roles", "tables", "columns", "constraints", "policies", "indexes", "functions", "triggers",
         "grants", "publication_tables")


def _tables(rows: dict[str, list[tuple[Any, ...]]]) -> list[model.Table]:
    """Tables assembled from the flat table, column and constraint rows."""
    columns: dict[tuple[str, str], list[model.Column]] = {}
    for schema, table, name, type_, not_null, default, generated in rows["columns"]:
        columns.setdefault((schema, table), []).append(
            model.Column(name, type_, bool(not_null), default, bool(generated)))
    constraints: dict[tuple[str, str], list[model.Constraint]] = {}
    for schema, table, name, kind, cols, definition, ref_table in rows["constraints"]:
        constraints.setdefault((schema, table), []).append(
            model.Constraint(schema, table, name, kind, tuple(cols), definition, ref_table))
    return [
        model.Table(schema, name, bool(rls_enabled), bool(rls_forced),
              tuple(columns.get((schema, name), ())), tuple(constraints.get((schema, name), ())))
        for schema, name, rls_enabled, rls_forced in rows["tables"]
    ]


def _policies(rows: dict[str, list[tuple[Any, ...]]]) -> list[model.Policy]:
    """Policies with their role oids named (oid 0 is PUBLIC)."""
    names: dict[int, str] = {int(oid): name for oid, name in rows["roles"]}
    names[0] = "public"
    return [
        model.Policy(schema, table, name, bool(permissive), command,
               frozenset(names.get(int(oid), str(oid)) for oid in role_oids), using, with_check)
        for schema, table, name, permissive, command, role_oids, using, with_check in rows["policies"]
    ]


def _index(row: tuple[Any, ...]) -> model.Index:
    schema, table, name, method, columns, predicate, unique, primary, definition, constraint = row
    return model.Index(schema, table, name, method, tuple(columns), predicate, bool(unique), bool(primary),
                 definition, constraint)


def _function(row: tuple[Any, ...]) -> model.Function:
    (schema, name, args, returns, language, volatility, secdef, search_path, owner, roles, source,
     definition, kind) = row
    return model.Function(schema, name, args, returns, language, volatility, bool(secdef), search_path, owner,
                    frozenset(roles), source, definition, kind)


def _trigger(row: tuple[Any, ...]) -> model.Trigger:
    schema, table, name, definition, function, enabled = row
    return model.Trigger(schema, table, name, definition, function, bool(enabled))


def _grant(row: tuple[Any, ...]) -> model.Grant:
    return model.Grant(*row)


def _bucket(row: tuple[Any, ...]) -> model.Bucket:
    bucket_id, public, size, mimes = row
    return model.Bucket(bucket_id, bool(public), size, None if mimes is None else tuple(mimes))


def _publication_table(row: tuple[Any, ...]) -> model.PublicationTable:
    return model.PublicationTable(*row)


_BUILDERS = {
    "indexes": _index,
    "functions": _function,
    "triggers": _trigger,
    "grants": _grant,
    "publication_tables": _publication_table,
}


def _sorted(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(items, key=lambda obj: obj.key))


def snapshot(conn: psycopg.Connection[Any], schemas: Sequence[str]) -> model.Catalog:
    """Snapshot the objects of `schemas` (system schemas are always skipped).

    All catalog queries are sent in one pipeline (one round trip), plus one for buckets when
    `storage.buckets` exists and `storage` is among the schemas.

    Example:
        >>> with connect(dsn) as conn:
        ...     catalog = snapshot(conn, ("public", "storage"))
        >>> [p.name for p in catalog.policies_on("storage", "objects")]
    """
    wanted = [s for s in dict.fromkeys(schemas) if s not in SYSTEM_SCHEMAS]
    params = {"schemas": wanted}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with conn.transaction():
            with conn.pipeline():
                # JIT compiling a catalog query costs more than running it (JIT is on in Supabase)
                conn.execute("select set_config('jit', 'off', true)")
                cursors = {kind: conn.cursor() for kind in KINDS}
                for kind, cur in cursors.items():
                    cur.execute(static_sql(f"catalog/{kind}.sql"), params)
                has_buckets = "storage" in wanted
                version_cur = conn.execute("select current_setting('server_version_num')::int / 10000")
                schemas_cur = conn.execute(
                    "select coalesce(array_agg(nspname::text order by nspname), '{}') from pg_namespace"
                    " where nspname = any(%(schemas)s)", params)
                if has_buckets:
                    probe = conn.execute("select to_regclass('storage.buckets') is not null")
            for kind, cur in cursors.items():
                rows[kind] = cur.fetchall()
            version_row = version_cur.fetchone()
            schemas_row = schemas_cur.fetchone()
            buckets: list[tuple[Any, ...]] = []
            if has_buckets:
                found = probe.fetchone()
                if found and found[0]:
                    buckets = conn.execute(static_sql("catalog/buckets.sql")).fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(f"catalog snapshot failed: {first_line(exc)}") from exc
    built = {kind: _sorted(build(r) for r in rows[kind]) for kind, build in _BUILDERS.items()}
    return model.Catalog(
        tables=_sorted(_tables(rows)),
        policies=_sorted(_policies(rows)),
        indexes=built["indexes"],
        functions=built["functions"],
        triggers=built["triggers"],
        grants=built["grants"],
        buckets=_sorted(_bucket(r) for r in buckets),
        publication_tables=built["publication_tables"],
        server_version=int(version_row[0]) if version_row else 0,
        schemas=tuple(schemas_row[0]) if schemas_row else (),
    )
