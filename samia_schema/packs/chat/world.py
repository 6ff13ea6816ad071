"""The verifier's own fixture world: users, profiles, sessions, messages, files, audit, monitoring.

Seeded inside the caller's transaction (always rolled back by the verifier), with deterministic
ids, so that every matrix cell has rows to see and rows it must not see.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from ...access.matrix import Matrix
from ...resources import static_sql
from .settings import ChatSettings

if TYPE_CHECKING:
    from ...access.probes import Probe

_NS = uuid.UUID("7f1c1d5e-3b7a-4e8e-9a55-5a4d1a7e0c01")
OTHER_BUCKET = "zodiac-audio"
# users that are never personas: the other side of every session, and owners of foreign data
OTHERS = ("other_a", "other_b", "other_c")
CURSOR_AGE = timedelta(seconds=60)  # every participant read its sessions up to a minute ago


def world_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NS, "/".join(parts))


@dataclass(frozen=True)
class Session:
    id: uuid.UUID
    participants: tuple[uuid.UUID, ...]
    status: str


@dataclass(frozen=True)
class Message:
    id: uuid.UUID
    session_id: uuid.UUID
    sender_id: uuid.UUID
    read: bool
    old: bool = False


@dataclass(frozen=True)
class StoredObject:
    id: uuid.UUID
    bucket: str
    name: str
    owner: uuid.UUID

    @property
    def session_folder(self) -> str:
        return self.name.split("/", 1)[0]


@dataclass(frozen=True)
class World:
    """Read state: every participant's cursor is at CURSOR_AGE; `Message.read` = sent before it."""

    users: dict[str, uuid.UUID]
    sessions: tuple[Session, ...]
    messages: tuple[Message, ...]
    objects: tuple[StoredObject, ...]
    retired_session: uuid.UUID | None = None  # the id of a deleted session

    def user(self, name: str) -> uuid.UUID:
        return self.users[name]

    def own_sessions(self, uid: uuid.UUID | None) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if uid is not None and uid in s.participants)

    def messages_in(self, sessions: tuple[Session, ...]) -> tuple[Message, ...]:
        ids = {s.id for s in sessions}
        return tuple(m for m in self.messages if m.session_id in ids)

    def chat_objects(self, bucket: str) -> tuple[StoredObject, ...]:
        return tuple(o for o in self.objects if o.bucket == bucket)


def _stmt(name: str, settings: ChatSettings) -> sql.Composed:
    return sql.SQL(static_sql(f"chat/access/{name}.sql")).format(schema=sql.Identifier(settings.schema))


def _no_profile(conn: psycopg.Connection[Any], settings: ChatSettings, uid: uuid.UUID) -> None:
    """No profile (or, when rows depend on it, no role) for a user without an app role."""
    try:
        with conn.transaction():
            conn.execute(_stmt("seed_no_profile", settings), {"id": uid})
    except psycopg.errors.ForeignKeyViolation:
        conn.execute(sql.SQL("update {}.profiles set role = null where id = %(id)s").format(
            sql.Identifier(settings.schema)), {"id": uid})


def seed_world(conn: psycopg.Connection[Any], matrix: Matrix, settings: ChatSettings) -> World:
    """Insert the world as the connection's (bypass) role; the caller owns the transaction."""
    now = datetime.now(UTC)
    signed_in = [p for p in matrix.personas if p.signed_in]
    users = {p.name: world_id("user", p.name) for p in signed_in}
    users.update({name: world_id("user", name) for name in OTHERS})
    roles = {p.name: p.app_role for p in signed_in}
    roles.update({"other_a": settings.app_roles.client, "other_b": settings.app_roles.reader,
                  "other_c": settings.app_roles.client})
    profiled: set[uuid.UUID] = set()
    columns = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = 'profiles'",
        (settings.schema,)).fetchall()}
    with conn.cursor() as cur:
        for name, uid in users.items():
            app_meta = {}
            if settings.role_source == "claim" and roles.get(name):
                app_meta = {"role": roles[name]}
            cur.execute(_stmt("seed_user", settings),
                        {"id": uid, "email": f"{name}@samia.test", "app_metadata": json.dumps(app_meta)})
            # a user with no app role has no profile when roles come from profiles
            if settings.role_source == "profiles" and not roles.get(name):
                _no_profile(conn, settings, uid)
                continue
            profiled.add(uid)
            role = roles.get(name) or settings.app_roles.client
            cur.execute(_stmt("seed_profile", settings), {"id": uid, "role": role})
            if "display_name" in columns:  # an existing profiles table may lack it
                cur.execute(sql.SQL("update {}.profiles set display_name = %(name)s where id = %(id)s").format(
                    sql.Identifier(settings.schema)), {"id": uid, "name": name})
        sessions = []
        a, b, c = users["other_a"], users["other_b"], users["other_c"]
        for p in signed_in:
            uid = users[p.name]
            sessions.append(Session(world_id("session", p.name, "active"), (uid, a), "active"))
            sessions.append(Session(world_id("session", p.name, "closed"), (uid, b), "closed"))
        sessions.append(Session(world_id("session", "foreign", "1"), (a, b, c), "active"))
        sessions.append(Session(world_id("session", "foreign", "2"), (b, c), "closed"))
        for s in sessions:
            cur.execute(_stmt("seed_session", settings), {
                "id": s.id, "participants": list(s.participants), "created_by": s.participants[0],
                "status": s.status, "title": f"world {s.id.hex[:8]}"})
        messages = []
        rows: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str, datetime]] = []
        for s in sessions:
            cur.execute(_stmt("seed_cursor", settings), {"session_id": s.id, "participants": list(s.participants),
                                                         "read_at": now - CURSOR_AGE})
            for n, sender in enumerate(s.participants):
                if sender not in profiled:
                    continue  # messages reference profiles
                for read in (True, False):
                    m = Message(world_id("message", str(s.id), str(n), str(read)), s.id, sender, read)
                    messages.append(m)
                    # read: sent before the participants' cursors; unread: after them
                    rows.append((m.id, s.id, sender, f"hello {n}", now - timedelta(seconds=(120 if read else 30) - n)))
            # an old message per sender, past any edit window
            for sender in (x for x in s.participants if x in profiled):
                m = Message(world_id("message", str(s.id), str(sender), "old"), s.id, sender, True, old=True)
                messages.append(m)
                rows.append((m.id, s.id, sender, "old", now - timedelta(days=2)))
        ids, session_ids, senders, contents, created = (list(column) for column in zip(*rows, strict=True))
        cur.execute(_stmt("seed_message", settings), {"ids": ids, "sessions": session_ids, "senders": senders,
                                                      "contents": contents, "created": created})
        retired = world_id("session", "retired")
        # a session created and deleted before the probes: its id is retired
        cur.execute(_stmt("seed_session", settings), {"id": retired, "participants": [a, b], "created_by": a,
                                                      "status": "closed", "title": "retired"})
        cur.execute(_stmt("retire_session", settings), {"id": retired})
        cur.execute(_stmt("seed_bucket", settings), {"id": OTHER_BUCKET})
        objects = []
        for s in sessions:
            for sender in s.participants:
                name = f"{s.id}/{sender}/note-{sender.hex[:6]}.txt"
                objects.append(StoredObject(world_id("object", name), settings.bucket, name, sender))
        objects.append(StoredObject(world_id("object", "zodiac"), OTHER_BUCKET, "readings/aries.mp3", a))
        for o in objects:
            cur.execute(_stmt("seed_object", settings), {"id": o.id, "bucket": o.bucket, "name": o.name,
                                                         "owner": o.owner})
        for uid in users.values():
            cur.execute(_stmt("seed_monitoring", settings),
                        {"user_id": uid, "event": "user_connected", "session_id": None})
    return World(users, tuple(sessions), tuple(messages), tuple(objects), retired)


# --- targets relative to a probe's persona (used by the write attempts) ---------------------------
def own_session(p: Probe, status: str = "active") -> Session | None:
    """The persona's own session with that status (None for a persona without sessions)."""
    world: World = p.world
    for s in world.own_sessions(p.uid):
        if s.status == status:
            return s
    return None


def foreign_session(p: Probe, status: str = "active") -> Session:
    """The world's session of other users only (active: other_a/b/c; closed: other_b/c)."""
    wanted = world_id("session", "foreign", "1" if status == "active" else "2")
    world: World = p.world
    return next(s for s in world.sessions if s.id == wanted)


def home_session(p: Probe) -> Session:
    """A session to aim at: the persona's own active session, else a foreign one."""
    return own_session(p) or foreign_session(p)


def other_user(p: Probe, name: str) -> uuid.UUID:
    world: World = p.world
    return world.user(name)


def table(p: Probe, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(p.settings.schema), sql.Identifier(name))


def max_audit_id(p: Probe) -> int:
    row = p.conn.execute(sql.SQL("select coalesce(max(id), 0) from {}").format(
        table(p, "chat_audit_logs"))).fetchone()
    return int(row[0]) if row else 0
