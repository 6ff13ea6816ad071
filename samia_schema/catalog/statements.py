"""Reconcile statements of each object kind: what turns the live side of a change into the desired.

Each builder returns (phase, Statement) pairs; `compare.reconcile_sql` orders them by phase: drop
policies, drop triggers, tables (create, RLS flags, columns, constraints), indexes, functions,
grants, buckets, publications, create triggers, create policies, and last the destructive table
drops. Identifiers are quoted with psycopg.sql; expressions and definitions come verbatim from the
desired catalog (pg_get_expr, pg_get_functiondef, ...).
"""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql

from samia_schema.catalog import model
from samia_schema.catalog.changes import (
    BUCKET,
    CREATE_POLICY,
    CREATE_TRIGGER,
    DROP_POLICY,
    DROP_TABLE,
    DROP_TRIGGER,
    FOREIGN_KEY,
    FUNCTION,
    GRANT,
    INDEX_CREATE,
    INDEX_DROP,
    PUBLICATION,
    TABLE,
    Change,
    Staged,
    Statement,
)


def _s(text: str) -> sql.SQL:
    """Trusted SQL text taken from the desired catalog (deparsed by Postgres)."""
    return sql.SQL(text)


def _text(composed: sql.Composable) -> str:
    return composed.as_string(None)


def _role(name: str) -> sql.Composable:
    return sql.SQL("public") if name == "public" else sql.Identifier(name)


def _roles(names: Iterable[str]) -> sql.Composable:
    return sql.SQL(", ").join(_role(n) for n in sorted(names))


def _qualified(schema: str, name: str) -> sql.Identifier:
    return sql.Identifier(schema, name)


def _drop_policy(p: model.Policy) -> str:
    statement = sql.SQL("drop policy {} on {}")
    return _text(statement.format(sql.Identifier(p.name), _qualified(p.schema, p.table)))


def _create_policy(p: model.Policy) -> str:
    parts: list[sql.Composable] = [
        sql.SQL("create policy {} on {} as {} for {} to {}").format(
            sql.Identifier(p.name), _qualified(p.schema, p.table),
            sql.SQL("permissive" if p.permissive else "restrictive"), _s(p.command), _roles(p.roles)),
    ]
    if p.using is not None:
        parts.append(sql.SQL(" using ({})").format(_s(p.using)))
    if p.with_check is not None:
        parts.append(sql.SQL(" with check ({})").format(_s(p.with_check)))
    return _text(sql.Composed(parts))


def _column_sql(c: model.Column) -> sql.Composable:
    parts: list[sql.Composable] = [sql.Identifier(c.name), sql.SQL(" "), _s(c.type)]
    if c.default is not None and not c.generated:
        parts += [sql.SQL(" default "), _s(c.default)]
    if c.not_null:
        parts.append(sql.SQL(" not null"))
    return sql.Composed(parts)


def _alter_column(target: sql.Composable, want: model.Column, have: model.Column) -> list[Statement]:
    """Type, default and NOT NULL of an existing column (a type change may lose data)."""
    column = sql.Identifier(want.name)
    alter = sql.SQL("alter table {} alter column {} ").format(target, column)
    out: list[Statement] = []
    if want.type != have.type:
        out.append(Statement(_text(alter + sql.SQL("type {}").format(_s(want.type))), destructive=True))
    if want.default != have.default and not want.generated:
        clause = sql.SQL("drop default") if want.default is None else sql.SQL("set default {}").format(
            _s(want.default))
        out.append(Statement(_text(alter + clause)))
    if want.not_null != have.not_null:
        out.append(Statement(_text(alter + sql.SQL("set not null" if want.not_null else "drop not null"))))
    return out


def _add_constraint(con: model.Constraint) -> str:
    return _text(sql.SQL("alter table {} add constraint {} {}").format(
        _qualified(con.schema, con.table), sql.Identifier(con.name), _s(con.definition)))


def table_statements(change: Change) -> Staged:
    want: model.Table | None = change.before
    have: model.Table | None = change.after
    if want is None and have is not None:
        return [(DROP_TABLE, Statement(_text(sql.SQL("drop table {}").format(
            _qualified(have.schema, have.name))), destructive=True, unowned=True))]
    assert want is not None
    target = _qualified(want.schema, want.name)
    out: Staged = []
    if have is None:
        columns = sql.SQL(", ").join(_column_sql(c) for c in want.columns)
        out.append((TABLE, Statement(_text(sql.SQL("create table {} ({})").format(target, columns)))))
        have = model.Table(want.schema, want.name, False, False, want.columns, ())
    if want.rls_enabled != have.rls_enabled:
        verb = "enable" if want.rls_enabled else "disable"
        out.append((TABLE, Statement(_text(sql.SQL("alter table {} {} row level security").format(
            target, sql.SQL(verb))))))
    if want.rls_forced != have.rls_forced:
        verb = "force" if want.rls_forced else "no force"
        out.append((TABLE, Statement(_text(sql.SQL("alter table {} {} row level security").format(
            target, sql.SQL(verb))))))
    if change.kind == "changed" and all(d.startswith("rls_") for d in change.details):
        return out  # only the flags differ (always the case in foreign schemas such as storage)
    want_cols = {c.name: c for c in want.columns}
    have_cols = {c.name: c for c in have.columns}
    for name in [c.name for c in want.columns if c.name not in have_cols]:
        out.append((TABLE, Statement(_text(sql.SQL("alter table {} add column {}").format(
            target, _column_sql(want_cols[name]))))))
    for name in [c.name for c in want.columns if c.name in have_cols and have_cols[c.name] != want_cols[c.name]]:
        out += [(TABLE, st) for st in _alter_column(target, want_cols[name], have_cols[name])]
    for name in [c.name for c in have.columns if c.name not in want_cols]:
        out.append((TABLE, Statement(_text(sql.SQL("alter table {} drop column {}").format(
            target, sql.Identifier(name))), destructive=True, unowned=True)))
    want_con = {c.name: c for c in want.constraints}
    have_con = {c.name: c for c in have.constraints}
    for name, con in have_con.items():
        if name not in want_con or want_con[name].definition != con.definition:
            out.append((TABLE, Statement(_text(sql.SQL("alter table {} drop constraint {}").format(
                target, sql.Identifier(name))))))
    for name, con in want_con.items():
        if name not in have_con or have_con[name].definition != con.definition:
            # foreign keys after every table exists (two created tables may reference each other)
            out.append((FOREIGN_KEY if con.kind == "f" else TABLE, Statement(_add_constraint(con))))
    return out


def index_statements(change: Change) -> Staged:
    want: model.Index | None = change.before
    have: model.Index | None = change.after
    out: Staged = []
    if have is not None and have.constraint is None:
        out.append((INDEX_DROP, Statement(_text(sql.SQL("drop index {}").format(
            _qualified(have.schema, have.name))))))
    if want is not None and want.constraint is None:
        out.append((INDEX_CREATE, Statement(want.definition)))
    return out


def _signature(f: model.Function) -> sql.Composable:
    return sql.SQL("{}({})").format(_qualified(f.schema, f.name), _s(f.identity_args))


def function_statements(change: Change) -> Staged:
    want: model.Function | None = change.before
    have: model.Function | None = change.after
    either = want or have
    assert either is not None
    kind = sql.SQL("procedure" if either.kind == "p" else "function")
    if want is None:
        assert have is not None
        return [(FUNCTION, Statement(_text(sql.SQL("drop {} {}").format(kind, _signature(have))), unowned=True))]
    out: Staged = []
    body_fields = {"returns", "language", "volatility", "security_definer", "search_path", "source"}
    if have is None or body_fields & set(change.details):
        if have is not None and "returns" in change.details:
            out.append((FUNCTION, Statement(_text(sql.SQL("drop {} {}").format(kind, _signature(have))))))
        out.append((FUNCTION, Statement(want.definition.strip())))
    if have is None or have.owner != want.owner:
        out.append((FUNCTION, Statement(_text(sql.SQL("alter {} {} owner to {}").format(
            kind, _signature(want), sql.Identifier(want.owner))))))
    fresh = have is None or "returns" in change.details
    current = frozenset({"public"}) if fresh else have.execute_roles  # type: ignore[union-attr]
    for role in sorted(current - want.execute_roles):
        out.append((FUNCTION, Statement(_text(sql.SQL("revoke execute on {} {} from {}").format(
            kind, _signature(want), _role(role))))))
    for role in sorted(want.execute_roles - current):
        out.append((FUNCTION, Statement(_text(sql.SQL("grant execute on {} {} to {}").format(
            kind, _signature(want), _role(role))))))
    return out


def trigger_statements(change: Change) -> Staged:
    want: model.Trigger | None = change.before
    have: model.Trigger | None = change.after
    out: Staged = []
    if have is not None and (want is None or want.definition != have.definition):
        out.append((DROP_TRIGGER, Statement(_text(sql.SQL("drop trigger {} on {}").format(
            sql.Identifier(have.name), _qualified(have.schema, have.table))))))
        have = None
    if want is not None:
        if have is None:
            out.append((CREATE_TRIGGER, Statement(want.definition)))
        if (have is None and not want.enabled) or (have is not None and have.enabled != want.enabled):
            verb = "enable" if want.enabled else "disable"
            out.append((CREATE_TRIGGER, Statement(_text(sql.SQL("alter table {} {} trigger {}").format(
                _qualified(want.schema, want.table), sql.SQL(verb), sql.Identifier(want.name))))))
    return out


def grant_statements(change: Change) -> Staged:
    g: model.Grant = change.before or change.after
    privilege: sql.Composable = _s(g.privilege.replace("_", " "))
    if g.column is not None:
        privilege = sql.SQL("{} ({})").format(privilege, sql.Identifier(g.column))
    template = "grant {} on table {} to {}" if change.kind == "removed" else "revoke {} on table {} from {}"
    return [(GRANT, Statement(_text(sql.SQL(template).format(
        privilege, _qualified(g.schema, g.table), _role(g.grantee)))))]


def _delete_allowed(statement: str) -> str:
    """`statement` in a DO block that first sets storage.allow_delete_query for its own transaction:
    the Storage API's delete protection (a statement trigger) refuses deletes without it. One
    statement, so it works pasted into psql in autocommit mode as well as in a script."""
    tag = "samia"
    while f"${tag}$" in statement:  # a dollar-quote tag the statement cannot end
        tag += "_"
    quote = sql.SQL("$" + tag + "$")
    return _text(sql.SQL("do {q} begin perform set_config('storage.allow_delete_query', 'true', true); {s}; end {q}")
                 .format(q=quote, s=sql.SQL(statement)))


def bucket_statements(change: Change) -> Staged:
    want: model.Bucket | None = change.before
    have: model.Bucket | None = change.after
    if want is None:
        assert have is not None
        return [(BUCKET, Statement(_delete_allowed(_text(sql.SQL("delete from storage.buckets where id = {}").format(
            sql.Literal(have.id)))), destructive=True, unowned=True))]
    mimes = sql.Literal(None if want.allowed_mime_types is None else list(want.allowed_mime_types))
    if have is None:
        statement = sql.SQL(
            "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) "
            "values ({}, {}, {}, {}, {})").format(
            sql.Literal(want.id), sql.Literal(want.id), sql.Literal(want.public),
            sql.Literal(want.file_size_limit), mimes)
    else:
        statement = sql.SQL(
            "update storage.buckets set public = {}, file_size_limit = {}, allowed_mime_types = {} "
            "where id = {}").format(
            sql.Literal(want.public), sql.Literal(want.file_size_limit), mimes, sql.Literal(want.id))
    return [(BUCKET, Statement(_text(statement)))]


def publication_statements(change: Change) -> Staged:
    p: model.PublicationTable = change.before or change.after
    verb = "add" if change.kind == "removed" else "drop"
    return [(PUBLICATION, Statement(_text(sql.SQL("alter publication {} {} table {}").format(
        sql.Identifier(p.publication), sql.SQL(verb), _qualified(p.schema, p.table)))))]


def policy_statements(change: Change) -> Staged:
    out: Staged = []
    if change.after is not None:
        out.append((DROP_POLICY, Statement(_drop_policy(change.after))))
    if change.before is not None:
        out.append((CREATE_POLICY, Statement(_create_policy(change.before))))
    return out
