"""The verifier's own fixture world: users, profiles, sessions, messages, files, audit, monitoring.

Seeded inside the caller's transaction (always rolled back by the verifier), with deterministic
ids, so that every matrix cell has rows to see and rows it must not see.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from ..config import Settings
from ..project import static_sql
from .matrix import Matrix, Persona

_NS = uuid.UUID("7f1c1d5e-3b7a-4e8e-9a55-5a4d1a7e0c01")
OTHER_BUCKET = "zodiac-audio"
# users that are never personas: the other side of every session, and owners of foreign data
OTHERS = ("other_a", "other_b", "other_c")


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
    users: dict[str, uuid.UUID]
    sessions: tuple[Session, ...]
    messages: tuple[Message, ...]
    objects: tuple[StoredObject, ...]

    def user(self, name: str) -> uuid.UUID:
        return self.users[name]

    def own_sessions(self, uid: uuid.UUID | None) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if uid is not None and uid in s.participants)

    def messages_in(self, sessions: tuple[Session, ...]) -> tuple[Message, ...]:
        ids = {s.id for s in sessions}
        return tuple(m for m in self.messages if m.session_id in ids)

    def chat_objects(self, bucket: str) -> tuple[StoredObject, ...]:
        return tuple(o for o in self.objects if o.bucket == bucket)


def claims_for(persona: Persona, uid: uuid.UUID | None, settings: Settings) -> dict[str, Any]:
    """The JWT payload PostgREST would carry for this persona."""
    claims: dict[str, Any] = {"role": persona.role, "aud": "authenticated" if persona.signed_in else persona.role,
                              "iss": "samia-verify", "app_metadata": {}, "user_metadata": {}}
    if uid is not None:
        claims["sub"] = str(uid)
        claims["email"] = f"{persona.name}@samia.test"
        claims["is_anonymous"] = False
        claims["aal"] = "aal1"
    for key, value in persona.claims:
        claims[key] = value
    if persona.app_role and settings.role_source == "claim":
        node = claims
        *path, last = settings.role_claim_path
        for part in path:
            node = node.setdefault(part, {})
        node[last] = persona.app_role
    return claims


def _stmt(name: str, settings: Settings) -> sql.Composed:
    return sql.SQL(static_sql(f"access/{name}.sql")).format(schema=sql.Identifier(settings.schema))


def seed_world(conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings) -> World:
    """Insert the world as the connection's (bypass) role; the caller owns the transaction."""
    now = datetime.now(UTC)
    signed_in = [p for p in matrix.personas if p.signed_in]
    users = {p.name: world_id("user", p.name) for p in signed_in}
    users.update({name: world_id("user", name) for name in OTHERS})
    roles = {p.name: p.app_role for p in signed_in}
    roles.update({"other_a": settings.app_roles.client, "other_b": settings.app_roles.reader,
                  "other_c": settings.app_roles.client})
    profiled: set[uuid.UUID] = set()
    with conn.cursor() as cur:
        for name, uid in users.items():
            app_meta = {}
            if settings.role_source == "claim" and roles.get(name):
                app_meta = {"role": roles[name]}
            cur.execute(_stmt("seed_user", settings),
                        {"id": uid, "email": f"{name}@samia.test", "app_metadata": json.dumps(app_meta)})
            # a user with no app role has no profile when roles come from profiles
            if settings.role_source == "profiles" and not roles.get(name):
                continue
            profiled.add(uid)
            cur.execute(_stmt("seed_profile", settings),
                        {"id": uid, "role": roles.get(name) or settings.app_roles.client, "name": name})
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
        for s in sessions:
            for n, sender in enumerate(s.participants):
                if sender not in profiled:
                    continue  # messages reference profiles
                for read in (True, False):
                    m = Message(world_id("message", str(s.id), str(n), str(read)), s.id, sender, read)
                    messages.append(m)
                    created = now - timedelta(seconds=60 - n)
                    cur.execute(_stmt("seed_message", settings), {
                        "id": m.id, "session_id": s.id, "sender_id": sender, "content": f"hello {n}",
                        "read_at": created + timedelta(seconds=1) if read else None, "created_at": created})
            # an old message per sender, past any edit window
            for sender in (x for x in s.participants if x in profiled):
                m = Message(world_id("message", str(s.id), str(sender), "old"), s.id, sender, True, old=True)
                messages.append(m)
                old = now - timedelta(days=2)
                cur.execute(_stmt("seed_message", settings), {
                    "id": m.id, "session_id": s.id, "sender_id": sender, "content": "old",
                    "read_at": old + timedelta(seconds=1), "created_at": old})
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
    return World(users, tuple(sessions), tuple(messages), tuple(objects))
