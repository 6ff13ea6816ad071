"""The content-pack protocol: everything the engine needs to know about one schema.

A pack is a template set plus the knowledge to prove and inspect it: its settings (and their
template context), its access-matrix vocabulary (resources, operations, levels and the probes behind
them), the fixture world its probes run in, its sabotages, the audit trail its writes must leave,
and what `samia audit` should inventory. The engine (render, plan, apply, catalog, diff, lint,
access core, audit core) never names a table, column, bucket or role of a pack.

Writing a pack, in short::

    @dataclass(frozen=True)
    class NotesSettings(Settings):
        schema: str = "public"

    class NotesPack(Pack):
        name = "notes"
        settings_class = NotesSettings
        def coerce(self, key, value, where): ...          # validate one of its keys
        def template_dirs(self): return (HERE / "templates",)
        def template_context(self, settings): return {"schema": settings.schema}
        def schemas(self, settings): return (settings.schema, "storage")
        def vocabulary(self): return {"notes": {"select": ReadProbe(...)}}
        def seed_world(self, conn, matrix, settings): ...  # returns an object with `users`

    PACK = NotesPack()

See docs/packs.md for the whole protocol and the notes pack under tests/packs/notes/.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from ..config import Settings
from ..errors import ConfigError

if TYPE_CHECKING:
    from psycopg import sql

    from ..access.matrix import Matrix, Persona
    from ..access.vocabulary import Vocabulary
    from ..catalog.model import Catalog, Function
    from ..consolidate.protocol import Consolidation


class World(Protocol):
    """What the engine needs of a pack's fixture world: the user id of each persona that has one."""

    @property
    def users(self) -> Mapping[str, uuid.UUID]: ...


class AuditTrail(Protocol):
    """How a pack checks the audit rows a write attempt leaves (see `access.probes.Probe.attempt`)."""

    def mark(self, conn: psycopg.Connection[Any]) -> int:
        """A position in the trail; rows written after it belong to the attempt."""
        ...

    def problem(self, conn: psycopg.Connection[Any], mark: int, succeeded: bool, expect: Any,
                actor: uuid.UUID | None) -> str | None:
        """What is wrong with the rows written since `mark` (None: exactly what was expected)."""
        ...


@dataclass(frozen=True)
class InventoryScope:
    """What `samia audit` inventories: schemas to read, and which tables and functions count."""

    schemas: tuple[str, ...]
    tables: frozenset[tuple[str, str]] | None = None  # None: every table of `schemas`
    table_prefixes: tuple[str, ...] = ()               # also tables whose name starts with one of these
    function_schemas: tuple[str, ...] = ()             # every function of these schemas
    function_words: tuple[str, ...] = ()               # and functions of `schemas` named with these words
    label: str = ""                                    # names the prefixed counts, e.g. "chat" -> chat_tables
    policy_tables: frozenset[tuple[str, str]] = frozenset()  # platform tables: only their policies and triggers

    def covers_table(self, schema: str, name: str) -> bool:
        if schema not in self.schemas:
            return False
        if self.tables is None and not self.table_prefixes:
            return True
        return (self.tables is not None and (schema, name) in self.tables) or name.startswith(self.table_prefixes)

    def covers_function(self, fn: Function) -> bool:
        if fn.schema in self.function_schemas:
            return True
        return fn.schema in self.schemas and any(word in fn.name for word in self.function_words)


class Pack:
    """Base class of content packs; subclasses set the class attributes and override what they need."""

    name: str = ""
    settings_class: type[Settings] = Settings
    table_keys: frozenset[str] = frozenset()  # keys whose value is a TOML table (not from the environment)
    reference: str = ""                       # how the configuration named this pack (set by load_pack)

    # --- settings ---------------------------------------------------------------------------------
    @property
    def setting_keys(self) -> frozenset[str]:
        """The pack's own keys of `[samia]`: the fields its settings class adds."""
        from dataclasses import fields

        return frozenset(f.name for f in fields(self.settings_class)) - {f.name for f in fields(Settings)}

    def coerce(self, key: str, value: object, where: str) -> object:
        """Validate one raw value of the pack's keys; return the typed value."""
        raise ConfigError(f"{where}: unknown setting {key!r}")

    def check(self, settings: Settings) -> None:
        """Cross-key validation after loading (default: nothing)."""

    # --- templates and schema -----------------------------------------------------------------
    def template_dirs(self) -> tuple[Path, ...]:
        raise NotImplementedError

    def template_context(self, settings: Settings) -> dict[str, object]:
        """The variables every template sees (the settings object is always there as `s`)."""
        return {}

    def schemas(self, settings: Settings) -> tuple[str, ...]:
        """The schemas the pack's templates create objects in (snapshotted by diff and plan)."""
        raise NotImplementedError

    def platform_schemas(self, settings: Settings) -> tuple[str, ...]:
        """Schemas the platform owns among `schemas()`: there diff compares only the pack's policies,
        RLS flags, triggers and buckets (default: Supabase's `storage`)."""
        return ("storage",)

    def owns_platform_object(self, obj: Any, live: Catalog, desired: Catalog) -> bool:
        """Is a live-only policy on a platform table (e.g. storage.objects) the templates' leftover, or
        another part of the application's? Default: ours unless it names only buckets we do not define."""
        from ..catalog.compare import names_other_bucket

        return not names_other_bucket((getattr(obj, "using", None), getattr(obj, "with_check", None)), live, desired)

    def exposed_schemas(self, settings: Settings) -> tuple[str, ...]:
        """Schemas PostgREST serves (lint treats them as exposed)."""
        return ()

    def summary(self, conn: psycopg.Connection[Any], settings: Settings) -> dict[str, int]:
        """What `samia apply` prints as created, counted from the catalogs (default: nothing)."""
        return {}

    def maintain(self, conn: psycopg.Connection[Any], settings: Settings) -> tuple[str, ...]:
        """Upkeep every `samia apply` runs after the units, in its transaction (rolled back in a dry
        run), e.g. creating next month's partitions; returns what it did, one line each (default: none)."""
        return ()

    def partitioned_tables(self, settings: Settings) -> tuple[str, ...]:
        """Tables (`schema.name`) partitioned by a time range, for `samia partitions` (default: none)."""
        return ()

    def preflight(self, conn: psycopg.Connection[Any], settings: Settings) -> tuple[str, ...]:
        """Objects the verifier needs that are missing from a database (empty: ready)."""
        return ()

    # --- access matrix ------------------------------------------------------------------------
    def default_matrix(self) -> Path:
        raise NotImplementedError

    def vocabulary(self) -> Vocabulary:
        raise NotImplementedError

    def seed_world(self, conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings) -> World:
        raise NotImplementedError

    def claims_for(self, persona: Persona, uid: uuid.UUID | None, settings: Settings) -> dict[str, Any]:
        """The JWT payload PostgREST would carry for this persona (sub, role, aud, email, …)."""
        claims: dict[str, Any] = {"role": persona.role, "aud": "authenticated" if persona.signed_in else persona.role,
                                  "iss": "samia-verify", "app_metadata": {}, "user_metadata": {}}
        if uid is not None:
            claims.update(sub=str(uid), email=f"{persona.name}@samia.test", is_anonymous=False, aal="aal1")
        claims.update(dict(persona.claims))
        return claims

    def audit_trail(self, settings: Settings) -> AuditTrail | None:
        """The trail write attempts are checked against (None: the pack keeps no audit log)."""
        return None

    def sabotage_dir(self) -> Path | None:
        """A directory of `NN_name.sql` sabotages for `samia verify --self-test` (first line: description)."""
        return None

    def sabotage_params(self, settings: Settings) -> dict[str, sql.Composable]:
        """Values for the `{placeholders}` of the sabotage files (quoted with psycopg.sql)."""
        return {}

    def external_tables(self, settings: Settings) -> frozenset[tuple[str, str]]:
        """Tables the templates expect but do not own (an application's own table): diff ignores them."""
        return frozenset()

    def scratch_prelude(self, settings: Settings) -> str:
        """SQL run on a throwaway database (shadow, embedded) before the plan: stand-ins for the
        external tables, so that the templates apply there as on the user's database."""
        return ""

    # --- consolidation ------------------------------------------------------------------------
    def consolidation(self, settings: Settings) -> Consolidation | None:
        """How to consolidate a legacy database into this pack's objects (None: not supported)."""
        return None

    # --- audit --------------------------------------------------------------------------------
    def inventory_scope(self, settings: Settings) -> InventoryScope:
        return InventoryScope(self.schemas(settings))
