"""Value classes of the linter: rules, findings, violations, and the facts rules look at."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from samia_schema.catalog.model import Catalog, Function, Index, Policy, Table

if TYPE_CHECKING:
    from samia_schema.linter.config import LintConfig

LEVELS = ("info", "warn", "error")
LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}

# Schemas Supabase manages: table and function rules skip them (storage.objects policies are
# still linted, they are ours).
MANAGED_SCHEMAS = frozenset(
    {
        "auth",
        "storage",
        "realtime",
        "_realtime",
        "extensions",
        "graphql",
        "graphql_public",
        "net",
        "pgsodium",
        "pgsodium_masks",
        "pgbouncer",
        "pgtle",
        "supabase_functions",
        "supabase_migrations",
        "vault",
        "cron",
        "_analytics",
        "samia",
    }
)
POLICY_TABLES = frozenset({("storage", "objects"), ("storage", "buckets"), ("realtime", "messages")})
DEFAULT_EXPOSED = frozenset({"public", "graphql_public"})
API_ROLES = ("anon", "authenticated")


def at_least(level: str, threshold: str) -> bool:
    """True when `level` is at or above `threshold` (info < warn < error)."""
    return LEVEL_RANK[level] >= LEVEL_RANK[threshold]


@dataclass(frozen=True)
class Finding:
    """What a rule reports: the object (e.g. `public.notes`) and a one-line message."""

    object: str
    message: str


@dataclass(frozen=True)
class Violation:
    """A finding with its rule's id and level; `waiver` holds the reason when it was waived."""

    rule: str
    level: str
    object: str
    message: str
    waiver: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.object, self.message)

    @property
    def waived(self) -> bool:
        return self.waiver is not None


@dataclass(frozen=True)
class View:
    """A view or materialized view, for the view rules (not part of the shared catalog)."""

    schema: str
    name: str
    materialized: bool
    security_invoker: bool
    reads_auth_users: bool
    select_roles: frozenset[str]

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Facts:
    """Facts the shared catalog does not carry, read by `sql/lint/*.sql` (empty when linting offline)."""

    exposed_schemas: frozenset[str] = DEFAULT_EXPOSED
    index_operators: Mapping[tuple[str, str, int], frozenset[str]] | None = None
    views: tuple[View, ...] = ()
    extensions: tuple[tuple[str, str], ...] = ()  # (name, schema)
    server_version_num: int = 0
    relations: tuple[tuple[str, str, str], ...] = ()  # (schema, name, relkind: r p v m f)
    # (schema.table.constraint, referenced schema, referenced table, the index backing the reference)
    foreign_keys: tuple[tuple[str, str, str, str], ...] = ()

    def has_extension(self, name: str) -> bool:
        return any(ext == name for ext, _ in self.extensions)


@dataclass(frozen=True)
class LintContext:
    """Everything a rule may look at: the catalog, the extra facts and the lint config."""

    catalog: Catalog
    facts: Facts
    config: LintConfig
    _functions: dict[tuple[str, str], tuple[Function, ...]] = field(default_factory=dict, compare=False)

    def exposed(self, schema: str) -> bool:
        """True when PostgREST serves this schema."""
        return schema in self.facts.exposed_schemas

    def app_tables(self) -> tuple[Table, ...]:
        """Tables in application schemas (Supabase-managed schemas skipped)."""
        return tuple(t for t in self.catalog.tables if t.schema not in MANAGED_SCHEMAS)

    def app_functions(self) -> tuple[Function, ...]:
        return tuple(f for f in self.catalog.functions if f.schema not in MANAGED_SCHEMAS)

    def linted_policies(self) -> tuple[Policy, ...]:
        """Policies on application tables, plus those on storage.objects and realtime.messages."""
        return tuple(
            p
            for p in self.catalog.policies
            if p.schema not in MANAGED_SCHEMAS or (p.schema, p.table) in POLICY_TABLES
        )

    def may_select(self, schema: str, table: str, role: str, *, any_column: bool = False) -> bool:
        """True when `role` (directly or through PUBLIC) holds SELECT on the relation; with
        `any_column`, a column-level SELECT counts too (what pg_graphql's introspection shows)."""
        return any(g.schema == schema and g.table == table and g.privilege == "select"
                   and g.grantee in (role, "public") and (any_column or g.column is None)
                   for g in self.catalog.grants)

    def api_readers(self, schema: str, table: str, *, any_column: bool = False) -> tuple[str, ...]:
        """Which of anon and authenticated may select from the relation."""
        return tuple(r for r in API_ROLES if self.may_select(schema, table, r, any_column=any_column))

    def table_of(self, schema: str, name: str) -> Table | None:
        return self.catalog.table(schema, name)

    def indexes_on(self, schema: str, table: str) -> tuple[Index, ...]:
        return tuple(i for i in self.catalog.indexes if (i.schema, i.table) == (schema, table))

    def functions_named(self, schema: str, name: str) -> tuple[Function, ...]:
        """Overloads of `schema.name` in the catalog."""
        if not self._functions:
            for fn in self.catalog.functions:
                self._functions.setdefault((fn.schema, fn.name), ())
                self._functions[(fn.schema, fn.name)] += (fn,)
        return self._functions.get((schema, name), ())


Check = Callable[[LintContext], Iterable[Finding]]
C = TypeVar("C")


@dataclass(frozen=True)
class BaseRule(Generic[C]):
    """A rule over a context `C`: a stable id (= its module and doc page name), a level, a title,
    a category, a check."""

    id: str
    level: str
    title: str
    category: str
    check: Callable[[C], Iterable[Finding]] = field(compare=False)

    @property
    def key(self) -> str:
        return self.id


R = TypeVar("R", bound=BaseRule[Any])


def load_rules(package: ModuleType, kind: type[R]) -> tuple[R, ...]:
    """The `RULE` of every module of `package`, in name order; a module's name is its rule's id."""
    rules: list[R] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, kind) or rule.id != info.name:
            raise RuntimeError(f"lint rule module {info.name} must define RULE with id {info.name!r}")
        rules.append(rule)
    return tuple(rules)


@dataclass(frozen=True)
class Rule(BaseRule[LintContext]):
    """One catalog lint rule (category 'security' or 'performance')."""
