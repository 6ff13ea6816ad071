"""A second, small content pack: notes (per user), boards (shared by members), a private bucket.

It exists to prove the engine generic: it renders, applies, verifies its own matrix (with its own
sabotages), diffs and audits through the same CLI as the chat pack (`samia --pack tests/packs/notes`).
It is also the worked example of docs/packs.md.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import psycopg
from psycopg import sql

from samia_schema.access.matrix import Matrix
from samia_schema.access.probes import AttemptResult, Probe
from samia_schema.access.vocabulary import ReadProbe, ReadTarget, Vocabulary, WriteProbe, levels
from samia_schema.config import Settings, check_pattern
from samia_schema.errors import ConfigError
from samia_schema.packs import InventoryScope, Pack

HERE = Path(__file__).resolve().parent
_NS = uuid.UUID("3f9a0a52-8d1e-4a5b-9a1c-6e2f0b7c1d00")
IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


@dataclass(frozen=True)
class NotesSettings(Settings):
    schema: str = "public"
    bucket: str = "note-files"


@dataclass(frozen=True)
class NotesWorld:
    users: dict[str, uuid.UUID]
    notes: dict[uuid.UUID, uuid.UUID]          # note id -> owner
    boards: dict[uuid.UUID, tuple[uuid.UUID, ...]]  # board id -> members
    files: dict[uuid.UUID, uuid.UUID]          # object id -> owner


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NS, "/".join(parts))


def _s(p: Probe) -> NotesSettings:
    return cast(NotesSettings, p.settings)


def _table(p: Probe, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(_s(p).schema), sql.Identifier(name))


# --- reads -----------------------------------------------------------------------------------------
def note_reads(p: Probe) -> ReadTarget:
    world: NotesWorld = p.world
    return ReadTarget(sql.SQL("select id from {}").format(_table(p, "notes")), frozenset(world.notes),
                      frozenset(n for n, owner in world.notes.items() if owner == p.uid))


def board_reads(p: Probe) -> ReadTarget:
    world: NotesWorld = p.world
    return ReadTarget(sql.SQL("select id from {}").format(_table(p, "boards")), frozenset(world.boards),
                      frozenset(b for b, members in world.boards.items() if p.uid in members))


def file_reads(p: Probe) -> ReadTarget:
    world: NotesWorld = p.world
    return ReadTarget(sql.SQL("select id from storage.objects where bucket_id = {}").format(sql.Literal(_s(p).bucket)),
                      frozenset(world.files), frozenset(o for o, owner in world.files.items() if owner == p.uid))


# --- writes ----------------------------------------------------------------------------------------
def note_inserts(p: Probe) -> list[AttemptResult]:
    world: NotesWorld = p.world
    stmt = sql.SQL("insert into {} (id, owner_id, body) values (%(id)s, %(owner)s, 'probe')").format(_table(p, "notes"))
    cases = {"as_self": p.uid, "as_someone_else": world.users["other"]}
    return [p.attempt(name, stmt, {"id": uuid.uuid4(), "owner": owner}) for name, owner in cases.items() if owner]


def note_deletes(p: Probe) -> list[AttemptResult]:
    world: NotesWorld = p.world
    stmt = sql.SQL("delete from {} where id = %(id)s").format(_table(p, "notes"))
    own = next((n for n, owner in world.notes.items() if owner == p.uid), None)
    foreign = next(n for n, owner in world.notes.items() if owner == world.users["other"])
    cases = {"own_note": own, "others_note": foreign}
    return [p.attempt(name, stmt, {"id": target}) for name, target in cases.items() if target]


def file_inserts(p: Probe) -> list[AttemptResult]:
    world: NotesWorld = p.world
    stmt = sql.SQL("insert into storage.objects (bucket_id, name, owner_id) values (%(bucket)s, %(name)s, %(owner)s)")
    folders = {"own_folder": p.uid, "other_folder": world.users["other"]}
    return [p.attempt(name, stmt, {"bucket": _s(p).bucket, "name": f"{folder}/probe.txt", "owner": str(p.uid)})
            for name, folder in folders.items() if folder]


VOCABULARY: Vocabulary = {
    "notes": {
        "select": ReadProbe(note_reads),
        "insert": WriteProbe(note_inserts, levels(deny=(), self=("as_self",), bypass=("as_self", "as_someone_else"))),
        "delete": WriteProbe(note_deletes, levels(deny=(), self=("own_note",), bypass=("own_note", "others_note"))),
    },
    "boards": {"select": ReadProbe(board_reads)},
    "note_files": {
        "select": ReadProbe(file_reads),
        "insert": WriteProbe(file_inserts, levels(deny=(), self=("own_folder",),
                                                  bypass=("own_folder", "other_folder"))),
    },
}


class NotesPack(Pack):
    name = "notes"
    settings_class = NotesSettings

    def coerce(self, key: str, value: object, where: str) -> object:
        if key == "schema":
            return check_pattern(IDENT_RE, value, where, "schema name")
        if key == "bucket":
            return check_pattern(BUCKET_RE, value, where, "bucket id")
        raise ConfigError(f"{where}: unknown setting {key!r}")

    def template_dirs(self) -> tuple[Path, ...]:
        return (HERE / "templates",)

    def template_context(self, settings: Settings) -> dict[str, object]:
        s = cast(NotesSettings, settings)
        return {"schema": s.schema, "bucket": s.bucket}

    def schemas(self, settings: Settings) -> tuple[str, ...]:
        return (cast(NotesSettings, settings).schema, "storage")

    def exposed_schemas(self, settings: Settings) -> tuple[str, ...]:
        return (cast(NotesSettings, settings).schema,)

    def default_matrix(self) -> Path:
        return HERE / "matrix.toml"

    def vocabulary(self) -> Vocabulary:
        return VOCABULARY

    def preflight(self, conn: psycopg.Connection[Any], settings: Settings) -> tuple[str, ...]:
        schema = cast(NotesSettings, settings).schema
        wanted = [f"{schema}.notes", f"{schema}.boards", "storage.objects"]
        rows = conn.execute("select n from unnest(%s::text[]) n where to_regclass(n) is null", (wanted,)).fetchall()
        return tuple(r[0] for r in rows)

    def seed_world(self, conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings) -> NotesWorld:
        s = cast(NotesSettings, settings)
        users = {p.name: _id("user", p.name) for p in matrix.personas if p.signed_in}
        users.update(other=_id("user", "other"), third=_id("user", "third"))
        table = sql.SQL("{}.{}").format
        notes: dict[uuid.UUID, uuid.UUID] = {}
        files: dict[uuid.UUID, uuid.UUID] = {}
        for name, uid in users.items():
            conn.execute("insert into auth.users (id, email) values (%s, %s) on conflict do nothing",
                         (uid, f"{name}@notes.test"))
            for n in range(2):
                notes[_id("note", name, str(n))] = uid
            files[_id("file", name)] = uid
        for note, owner in notes.items():
            conn.execute(sql.SQL("insert into {} (id, owner_id, body) values (%s, %s, 'seeded')").format(
                table(sql.Identifier(s.schema), sql.Identifier("notes"))), (note, owner))
        boards = {_id("board", "with", name): (uid, users["other"]) for name, uid in users.items() if name != "other"}
        boards[_id("board", "foreign")] = (users["other"], users["third"])
        for board, members in boards.items():
            conn.execute(sql.SQL("insert into {} (id, title, members) values (%s, 'board', %s)").format(
                table(sql.Identifier(s.schema), sql.Identifier("boards"))), (board, list(members)))
        conn.execute("insert into storage.buckets (id, name) values (%s, %s) on conflict do nothing",
                     (s.bucket, s.bucket))
        for obj, owner in files.items():
            conn.execute("insert into storage.objects (id, bucket_id, name, owner_id) values (%s, %s, %s, %s)",
                         (obj, s.bucket, f"{owner}/seeded.txt", str(owner)))
        return NotesWorld(users, notes, boards, files)

    def sabotage_dir(self) -> Path | None:
        return HERE / "sabotage"

    def sabotage_params(self, settings: Settings) -> dict[str, sql.Composable]:
        s = cast(NotesSettings, settings)
        return {"schema": sql.Identifier(s.schema), "bucket": sql.Literal(s.bucket)}

    def inventory_scope(self, settings: Settings) -> InventoryScope:
        schema = cast(NotesSettings, settings).schema
        return InventoryScope(schemas=self.schemas(settings), tables=frozenset({(schema, "notes"), (schema, "boards")}),
                              policy_tables=frozenset({("storage", "objects")}), label="notes")


PACK = NotesPack()
