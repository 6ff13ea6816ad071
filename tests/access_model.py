"""The pure-Python model behind tests/test_access_property.py: the world, the names in the database,
and every write attempt with its SQL and what the access matrix says of it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, LiteralString

from psycopg import sql

from samia_schema.config import Settings

ROLE_CHOICES: tuple[str | None, ...] = ("client", "reader", "monitor", "admin", "super_admin", None)
MEMBERS = frozenset({"client", "reader"})  # act only inside their own sessions
ADMINS = frozenset({"admin", "super_admin"})
OBSERVERS = frozenset({"monitor", "admin", "super_admin"})  # read every session, message and file
EVENTS = ("user_connected", "session_joined", "typing_started", "message_flagged")
OTHER_BUCKET = "zodiac-audio"
HEADERS = {"x-forwarded-for": "203.0.113.9", "user-agent": "samia-property/1"}
_NS = uuid.UUID("3d0f2a3c-6a51-4f0e-9a0b-59a1a7c0de11")


def _id(kind: str, n: int | None) -> uuid.UUID:
    return uuid.uuid5(_NS, f"{kind}/{n}")


def user_id(i: int) -> uuid.UUID:
    return _id("user", i)


def session_id(j: int) -> uuid.UUID:
    return _id("session", j)


def folder_name(j: int | None) -> str:
    """A session's folder; None is a folder named like a session that does not exist."""
    return str(_id("session", j if j is not None else -1))


def object_path(folder: int | None, user: int, shape: str, leaf: str) -> str:
    if shape == "flat":
        return f"{folder_name(folder)}/{leaf}"
    if shape == "deep":
        return f"{folder_name(folder)}/{user_id(user)}/extra/{leaf}"
    return f"{folder_name(folder)}/{user_id(user)}/{leaf}"


# --- the world ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    participants: frozenset[int]
    status: str
    readers: frozenset[int] = frozenset()  # users with a read cursor (a minute ago); the rest read nothing


@dataclass(frozen=True)
class Message:
    session: int
    sender: int
    old: bool  # sent 30 days ago: past any edit window
    read: bool  # sent before the readers' cursors
    deleted: bool


@dataclass(frozen=True)
class StoredObject:
    folder: int | None  # session index; None: a folder of no session
    user: int


@dataclass(frozen=True)
class MonitoringEvent:
    user: int
    session: int | None
    event_type: str


@dataclass(frozen=True)
class World:
    roles: tuple[str | None, ...]  # per user; None: signed in, no profile (no app role)
    sessions: tuple[Session, ...]
    messages: tuple[Message, ...]
    objects: tuple[StoredObject, ...]
    events: tuple[MonitoringEvent, ...]
    persona: int | None  # the user acting; None: anon


@dataclass(frozen=True)
class Model:
    """The matrix, as pure Python, for the world's persona."""

    world: World

    @property
    def me(self) -> int | None:
        return self.world.persona

    @property
    def role(self) -> str | None:
        return None if self.me is None else self.world.roles[self.me]

    def member(self, s: int | None) -> bool:
        return s is not None and self.me is not None and self.me in self.world.sessions[s].participants

    def active(self, s: int | None) -> bool:
        return s is not None and self.world.sessions[s].status == "active"

    def sees_session(self, s: int | None) -> bool:
        return self.me is not None and (self.role in OBSERVERS or self.member(s))

    def unread(self, msg: Message) -> bool:
        """Unread for the persona: sent by someone else, not deleted, after its cursor (or it has none)."""
        session = self.world.sessions[msg.session]
        read = (msg.read or msg.old) and self.me in session.readers
        return self.member(msg.session) and msg.sender != self.me and not msg.deleted and not read


# --- names in the database -------------------------------------------------------------------
Statement = tuple[sql.Composed, Mapping[str, Any]]


@dataclass(frozen=True)
class Names:
    settings: Settings

    def table(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.schema, name)

    def function(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.settings.schema, name)

    def app_role(self, key: str | None) -> str | None:
        return None if key is None else str(getattr(self.settings.app_roles, key))

    @property
    def bucket(self) -> str:
        return self.settings.bucket

    def stmt(self, template: LiteralString, table: str = "", **params: Any) -> Statement:
        """A constant statement; `{t}` is the schema-qualified `table`, values are parameters."""
        return sql.SQL(template).format(t=self.table(table) if table else sql.SQL("")), params


# --- write attempts: each knows its SQL and what the matrix says about it ------------------------
@dataclass(frozen=True)
class MessageInsert:
    session: int
    sender: int

    def statement(self, n: Names) -> Statement:
        return n.stmt("insert into {t} (session_id, sender_id, content) values (%(s)s, %(u)s, 'probe')",
                      "chat_messages", s=session_id(self.session), u=user_id(self.sender))

    def expected(self, m: Model) -> bool:
        # sender = self, session active; members only in their own sessions
        if self.sender != m.me or not m.active(self.session):
            return False
        return (m.role in MEMBERS and m.member(self.session)) or m.role in ADMINS


@dataclass(frozen=True)
class MessageUpdate:
    """A sender's edit (`content`: within the edit window, not once deleted) or soft delete (`is_deleted`)."""

    message: int
    column: str

    def statement(self, n: Names) -> Statement:
        if self.column == "content":
            return n.stmt("update {t} set content = 'edited' where id = %(id)s", "chat_messages",
                          id=_id("message", self.message))
        return n.stmt("update {t} set is_deleted = true where id = %(id)s", "chat_messages",
                      id=_id("message", self.message))

    def expected(self, m: Model) -> bool:
        msg = m.world.messages[self.message]
        if m.role in ADMINS:
            return True  # moderation
        editable = self.column == "is_deleted" or (not msg.old and not msg.deleted)
        return m.role in MEMBERS and msg.sender == m.me and m.member(msg.session) and editable


@dataclass(frozen=True)
class MessageReassign:
    """Forging the author of a message: never possible through the API (column not granted)."""

    message: int
    sender: int

    def statement(self, n: Names) -> Statement:
        return n.stmt("update {t} set sender_id = %(u)s where id = %(id)s", "chat_messages",
                      id=_id("message", self.message), u=user_id(self.sender))

    def expected(self, m: Model) -> bool:
        return False


@dataclass(frozen=True)
class HardDelete:
    """Deleting a row of chat_sessions or chat_messages: super_admin only."""

    table: str
    index: int

    def statement(self, n: Names) -> Statement:
        kind = "session" if self.table == "chat_sessions" else "message"
        return n.stmt("delete from {t} where id = %(id)s", self.table, id=_id(kind, self.index))

    def expected(self, m: Model) -> bool:
        return m.role == "super_admin"


@dataclass(frozen=True)
class SessionInsert:
    """A new session as the API client creates it (id, creator and timestamps are the server's)."""

    participants: frozenset[int]

    def statement(self, n: Names) -> Statement:
        return n.stmt("insert into {t} (participants, title) values (%(p)s, 'probe')",
                      "chat_sessions", p=[user_id(i) for i in sorted(self.participants)])

    def expected(self, m: Model) -> bool:
        if m.me is None:
            return False
        return (m.role in MEMBERS and m.me in self.participants) or m.role in ADMINS


@dataclass(frozen=True)
class SessionRetitle:
    session: int

    def statement(self, n: Names) -> Statement:
        return n.stmt("update {t} set title = 'renamed' where id = %(id)s", "chat_sessions",
                      id=session_id(self.session))

    def expected(self, m: Model) -> bool:
        return (m.role in MEMBERS and m.member(self.session)) or m.role in ADMINS


@dataclass(frozen=True)
class SessionReopen:
    """Setting status = 'active': a no-op on an active session; reopening a closed one is for admins."""

    session: int

    def statement(self, n: Names) -> Statement:
        return n.stmt("update {t} set status = 'active' where id = %(id)s", "chat_sessions",
                      id=session_id(self.session))

    def expected(self, m: Model) -> bool:
        if m.role in ADMINS:
            return True
        already_active = m.world.sessions[self.session].status == "active"
        return m.role in MEMBERS and m.member(self.session) and already_active


@dataclass(frozen=True)
class SessionInvite:
    """Adding a participant: admins only (members may change only title and status)."""

    session: int
    user: int

    def statement(self, n: Names) -> Statement:
        return n.stmt("update {t} set participants = array_append(participants, %(u)s) where id = %(id)s",
                      "chat_sessions", id=session_id(self.session), u=user_id(self.user))

    def expected(self, m: Model) -> bool:
        # participants stay distinct (the participant trigger refuses a duplicate)
        return m.role in ADMINS and self.user not in m.world.sessions[self.session].participants


@dataclass(frozen=True)
class FileInsert:
    folder: int | None
    user: int
    shape: str

    def statement(self, n: Names) -> Statement:
        # as the Storage API uploads: owner is the caller
        return n.stmt("insert into storage.objects (bucket_id, name, owner, owner_id, metadata) values "
                      "(%(b)s, %(name)s, auth.uid(), auth.uid()::text, jsonb_build_object('size', 1))",
                      b=n.bucket, name=object_path(self.folder, self.user, self.shape, "upload.txt"))

    def expected(self, m: Model) -> bool:
        if self.shape != "ok":
            return False
        if m.role == "super_admin":
            return True
        return (m.role in MEMBERS and self.user == m.me and m.member(self.folder)
                and m.active(self.folder))


@dataclass(frozen=True)
class FileMove:
    obj: int
    folder: int | None
    user: int
    shape: str

    def statement(self, n: Names) -> Statement:
        return n.stmt("update storage.objects set name = %(name)s where id = %(id)s and bucket_id = %(b)s",
                      b=n.bucket, id=_id("object", self.obj),
                      name=object_path(self.folder, self.user, self.shape, "moved.txt"))

    def expected(self, m: Model) -> bool:
        if m.role == "super_admin":
            return self.shape == "ok"
        o = m.world.objects[self.obj]
        mine_now = m.role in MEMBERS and o.user == m.me and m.member(o.folder)
        mine_after = (self.shape == "ok" and self.user == m.me and m.member(self.folder)
                      and m.active(self.folder))
        return mine_now and mine_after


@dataclass(frozen=True)
class FileDelete:
    obj: int

    def statement(self, n: Names) -> Statement:
        return n.stmt("delete from storage.objects where id = %(id)s and bucket_id = %(b)s",
                      b=n.bucket, id=_id("object", self.obj))

    def expected(self, m: Model) -> bool:
        o = m.world.objects[self.obj]
        return m.role in ADMINS or (m.role in MEMBERS and o.user == m.me and m.member(o.folder))


@dataclass(frozen=True)
class MonitoringInsert:
    user: int
    session: int | None
    event_type: str

    def statement(self, n: Names) -> Statement:
        return n.stmt("insert into {t} (user_id, event_type, session_id) values (%(u)s, %(e)s, %(s)s)",
                      "chat_monitoring", u=user_id(self.user), e=self.event_type,
                      s=None if self.session is None else session_id(self.session))

    def expected(self, m: Model) -> bool:
        if m.role in ADMINS:
            return True
        return (m.role in MEMBERS and self.user == m.me
                and (self.session is None or m.member(self.session)))


@dataclass(frozen=True)
class MarkRead:
    """The RPC; the outcome is 1 when it moved the caller's read cursor, None when refused."""

    session: int

    def statement(self, n: Names) -> Statement:
        return (sql.SQL("select {}(%(s)s)").format(n.function("mark_session_read")),
                {"s": session_id(self.session)})

    def expected(self, m: Model) -> int | None:
        return 1 if m.member(self.session) else None


Write = (MessageInsert | MessageUpdate | MessageReassign | HardDelete | SessionInsert | SessionRetitle
         | SessionReopen | SessionInvite | FileInsert | FileMove | FileDelete | MonitoringInsert | MarkRead)


@dataclass(frozen=True)
class Case:
    world: World
    writes: tuple[Write, ...]
