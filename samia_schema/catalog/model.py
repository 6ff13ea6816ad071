"""Frozen model of the catalog objects samia compares (tables, policies, indexes, ...).

Every object has a `key` property; equality compares the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One table column."""

    name: str
    type: str
    not_null: bool
    default: str | None
    generated: bool


@dataclass(frozen=True)
class Constraint:
    """A table constraint; kind is 'p', 'f', 'u', 'c' or 'x'."""

    schema: str
    table: str
    name: str
    kind: str
    columns: tuple[str, ...]
    definition: str
    ref_table: str | None  # 'schema.table' for foreign keys

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.table, self.name)


@dataclass(frozen=True)
class Table:
    """An ordinary or partitioned table with its columns and constraints."""

    schema: str
    name: str
    rls_enabled: bool
    rls_forced: bool
    columns: tuple[Column, ...]
    constraints: tuple[Constraint, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Policy:
    """A row-level security policy; command is select/insert/update/delete/all."""

    schema: str
    table: str
    name: str
    permissive: bool
    command: str
    roles: frozenset[str]
    using: str | None
    with_check: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.table, self.name)


@dataclass(frozen=True)
class Index:
    """An index; columns holds column names or expression text, in order."""

    schema: str
    table: str
    name: str
    method: str
    columns: tuple[str, ...]
    predicate: str | None
    unique: bool
    primary: bool
    definition: str
    constraint: str | None = None  # name of the owning constraint (pkey/unique/exclusion)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Function:
    """A function or procedure from pg_proc."""

    schema: str
    name: str
    identity_args: str
    returns: str
    language: str
    volatility: str  # 'immutable' | 'stable' | 'volatile'
    security_definer: bool
    search_path: str | None  # from proconfig, None when not set
    owner: str
    execute_roles: frozenset[str]  # includes 'public' when PUBLIC may execute
    source: str
    definition: str = field(default="", compare=False)  # pg_get_functiondef, for reconcile
    kind: str = "f"  # prokind: f function, p procedure, a aggregate, w window

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.name, self.identity_args)


@dataclass(frozen=True)
class Trigger:
    """A user trigger (internal constraint triggers excluded)."""

    schema: str
    table: str
    name: str
    definition: str
    function: str
    enabled: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.table, self.name)


@dataclass(frozen=True)
class Grant:
    """One table (column is None) or column privilege held by a grantee."""

    schema: str
    table: str
    column: str | None
    grantee: str
    privilege: str

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.schema, self.table, self.column or "", self.grantee, self.privilege)


@dataclass(frozen=True)
class Bucket:
    """A Supabase storage bucket."""

    id: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: tuple[str, ...] | None

    @property
    def key(self) -> tuple[str]:
        return (self.id,)


@dataclass(frozen=True)
class PublicationTable:
    """Membership of a table in a publication."""

    publication: str
    schema: str
    table: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.publication, self.schema, self.table)


@dataclass(frozen=True)
class Catalog:
    """Snapshot of the compared objects; every tuple is sorted by key."""

    tables: tuple[Table, ...] = ()
    policies: tuple[Policy, ...] = ()
    indexes: tuple[Index, ...] = ()
    functions: tuple[Function, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    grants: tuple[Grant, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    publication_tables: tuple[PublicationTable, ...] = ()
    server_version: int = field(default=0, compare=False)  # major version that deparsed it; 0 unknown
    schemas: tuple[str, ...] = field(default=(), compare=False)  # the snapshotted schemas that exist

    def table(self, schema: str, name: str) -> Table | None:
        """The table with that key, or None."""
        for t in self.tables:
            if t.key == (schema, name):
                return t
        return None

    def policies_on(self, schema: str, table: str) -> tuple[Policy, ...]:
        """Policies of one table, sorted by name."""
        return tuple(p for p in self.policies if (p.schema, p.table) == (schema, table))
