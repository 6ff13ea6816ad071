"""The registry of compared object kinds: one descriptor per kind says everything the diff needs.

A descriptor names the catalog class and attribute, where an object lives (schema, table), which
fields are compared (and how), what a live-only object (a leftover) counts as, whether the kind is
compared in platform-owned schemas, and the reconcile statements. Adding a kind (views, sequences)
means a model class, a catalog query and one descriptor here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from samia_schema.catalog import model, statements
from samia_schema.catalog.changes import Staged
from samia_schema.normalize import equivalent

Compare = Mapping[str, Callable[[Any, Any], bool]]
# What a live-only object is reported as:
#   "owned_tables": a leftover when it sits on a table the desired side defines (foreign schemas
#       included: a stray policy on storage.objects), or anywhere when the scope is not limited;
#   "owned_tables_local": the same, but never in a foreign schema;
#   "unlimited": only when the scope is neither limited to defined objects nor a foreign schema.
Leftover = Literal["owned_tables", "owned_tables_local", "unlimited"]


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _source_eq(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _mime_eq(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and set(a) == set(b))


def _table_location(obj: model.Table) -> tuple[str | None, str | None]:
    return obj.schema, obj.name


def _function_location(obj: model.Function) -> tuple[str | None, str | None]:
    return obj.schema, None


def _bucket_location(obj: model.Bucket) -> tuple[str | None, str | None]:
    return "storage", "buckets"


def _on_table(obj: Any) -> tuple[str | None, str | None]:
    return obj.schema, obj.table


def _policy_is_ours(obj: model.Policy, live: model.Catalog, desired: model.Catalog) -> bool:
    from samia_schema.catalog.compare import names_other_bucket

    return not names_other_bucket((obj.using, obj.with_check), live, desired)


def _table_details(desired: model.Table, live: model.Table, foreign: bool) -> tuple[str, ...]:
    out = [name for name in ("rls_enabled", "rls_forced") if getattr(desired, name) != getattr(live, name)]
    if foreign:
        return tuple(out)  # in a platform schema only the RLS flags are ours to compare
    for what, want, have, same in (
        ("column", {c.name: c for c in desired.columns}, {c.name: c for c in live.columns}, _eq),
        ("constraint", {c.name: c for c in desired.constraints}, {c.name: c for c in live.constraints},
         lambda a, b: a.definition == b.definition),
    ):
        out += [f"{what} {n} removed" for n in sorted(want.keys() - have.keys())]
        out += [f"{what} {n} added" for n in sorted(have.keys() - want.keys())]
        out += [f"{what} {n} changed" for n in sorted(want.keys() & have.keys()) if not same(want[n], have[n])]
    return tuple(out)


@dataclass(frozen=True)
class Kind:
    """Everything the diff and reconcile need to know about one kind of catalog object."""

    name: str
    cls: type
    attr: str  # the model.Catalog attribute holding these objects
    location: Callable[[Any], tuple[str | None, str | None]]
    compare: Compare
    leftover: Leftover
    in_foreign: bool  # compared in platform-owned (foreign) schemas
    reconcile: Callable[..., Staged]
    verbatim: Compare | None = None  # `compare` when both sides were deparsed by the same major version
    pairs_only_in_foreign: bool = False  # in foreign schemas, compare only objects on both sides
    details: Callable[[Any, Any, bool], tuple[str, ...]] | None = None
    # a leftover on a desired table is the templates' to remove (not so: tables, functions, buckets)
    leftover_owned: bool = True
    # in a foreign schema: is a live-only object still ours to report?
    foreign_leftover: Callable[[Any, model.Catalog, model.Catalog], bool] | None = None

    @property
    def key(self) -> str:
        return self.name

    def differences(self, desired: Any, live: Any, foreign: bool, same_deparser: bool) -> tuple[str, ...]:
        """Names of the fields (or sub-objects) that differ between two objects with the same key."""
        if self.details is not None:
            return self.details(desired, live, foreign)
        rules = self.verbatim if same_deparser and self.verbatim is not None else self.compare
        return tuple(f.name for f in fields(desired)
                     if f.name in rules and not rules[f.name](getattr(desired, f.name), getattr(live, f.name)))


_POLICY_COMPARE: Compare = {"permissive": _eq, "command": _eq, "roles": _eq, "using": equivalent,
                            "with_check": equivalent}

# Expressions deparsed by the same Postgres major version are canonical already: equal trees give
# equal text, so text equality is exact there (and needs no parser). Across versions, or for
# hand-built catalogs (server_version 0), expressions are normalised with sqlglot.
KINDS: tuple[Kind, ...] = (
    Kind("table", model.Table, "tables", _table_location, {}, "unlimited", True, statements.table_statements,
         pairs_only_in_foreign=True, details=_table_details, leftover_owned=False),
    Kind("policy", model.Policy, "policies", _on_table, _POLICY_COMPARE, "owned_tables", True,
         statements.policy_statements, verbatim={**_POLICY_COMPARE, "using": _eq, "with_check": _eq},
         foreign_leftover=_policy_is_ours),
    Kind("index", model.Index, "indexes", _on_table, {"definition": _eq}, "owned_tables_local", False,
         statements.index_statements),
    Kind("function", model.Function, "functions", _function_location,
         {"returns": _eq, "language": _eq, "volatility": _eq, "security_definer": _eq, "search_path": _eq,
          "owner": _eq, "execute_roles": _eq, "source": _source_eq}, "unlimited", False,
         statements.function_statements, leftover_owned=False),
    Kind("trigger", model.Trigger, "triggers", _on_table, {"definition": _eq, "enabled": _eq}, "owned_tables_local",
         True, statements.trigger_statements),
    Kind("grant", model.Grant, "grants", _on_table, {}, "owned_tables_local", False, statements.grant_statements),
    Kind("bucket", model.Bucket, "buckets", _bucket_location,
         {"public": _eq, "file_size_limit": _eq, "allowed_mime_types": _mime_eq}, "unlimited", True,
         statements.bucket_statements, leftover_owned=False),
    Kind("publication_table", model.PublicationTable, "publication_tables", _on_table, {}, "owned_tables_local", False,
         statements.publication_statements),
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
OBJECT_TYPES: tuple[str, ...] = tuple(k.name for k in KINDS)
COMPARED_FIELDS: frozenset[str] = frozenset(name for k in KINDS for name in k.compare)
