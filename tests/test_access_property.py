"""Property: in any random chat world, no persona reads or writes outside the access matrix.

Hypothesis draws small worlds (users with random app roles, sessions with random participants and
statuses, messages, chat-files objects, monitoring events), a persona from that world (or anon) and
a list of write attempts. Each example seeds its world as the superuser inside one transaction that
is always rolled back, then acts as the persona the way PostgREST does (`impersonate`) and compares
what the database lets it see and do with a pure-Python model of the matrix
(docs/access-matrix.md, samia_schema/packs/chat/default_matrix.toml; the model: tests/access_model.py).

SAMIA_HYPOTHESIS_EXAMPLES sets the number of examples (default 200).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from access_model import (
    ADMINS,
    EVENTS,
    HEADERS,
    OBSERVERS,
    OTHER_BUCKET,
    ROLE_CHOICES,
    Case,
    FileDelete,
    FileInsert,
    FileMove,
    HardDelete,
    MarkRead,
    Message,
    MessageInsert,
    MessageReassign,
    MessageUpdate,
    Model,
    MonitoringEvent,
    MonitoringInsert,
    Names,
    Session,
    SessionInsert,
    SessionInvite,
    SessionReopen,
    SessionRetitle,
    StoredObject,
    World,
    Write,
    _id,
    object_path,
    session_id,
    user_id,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from psycopg import sql

from samia_schema.access.matrix import Persona
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.config import Settings
from samia_schema.db import connect, impersonate
from samia_schema.packs.chat import PACK

# --- strategies --------------------------------------------------------------------------------
# Choices are weighted towards the persona (its sessions, its messages, its folder, active sessions,
# well-formed paths) so that allowed writes are drawn often, not only refusals.
STATUS_CHOICES = ("active", "active", "closed", "archived")
SHAPE_CHOICES = ("ok", "ok", "ok", "ok", "ok", "flat", "deep")


def _maybe(indices: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    """An index, or (one time in four) None."""
    return st.builds(lambda keep, i: i if keep else None, st.sampled_from((True, True, True, False)), indices)


def _often(value: int | None, others: list[int]) -> st.SearchStrategy[int]:
    """`value` (when there is one) at least half the time, else any of `others`."""
    return st.sampled_from(others if value is None else [value] * len(others) + others)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    roles = tuple(draw(st.lists(st.sampled_from(ROLE_CHOICES), min_size=3, max_size=6)))
    n = len(roles)
    users = st.integers(0, n - 1)
    persona = draw(st.sampled_from((*range(n), *range(n), None)))  # anon: one time in 7 to 13
    with_me = st.booleans() if persona is not None else st.just(False)
    participants = st.builds(lambda group, me: group | {persona} if me else group,
                             st.frozensets(users, min_size=1), with_me)
    sessions = tuple(draw(st.lists(st.builds(Session, participants, st.sampled_from(STATUS_CHOICES),
                                             st.frozensets(users)), min_size=1, max_size=4)))
    every = list(range(len(sessions)))
    in_sessions = st.sampled_from(every)
    mine = [j for j in every if persona in sessions[j].participants]
    mine_active = [j for j in mine if sessions[j].status == "active"]
    in_my_sessions = st.sampled_from(mine_active * 2 + mine + every)
    profiled = [i for i, role in enumerate(roles) if role is not None]  # only they can send messages
    messages: tuple[Message, ...] = ()
    if profiled:
        senders = _often(persona if persona in profiled else None, profiled)
        flag = st.booleans()
        messages = tuple(draw(st.lists(st.builds(Message, in_my_sessions, senders, flag, flag, flag),
                                       max_size=12)))
    folders = _maybe(in_my_sessions)
    actor = _often(persona, list(range(n)))  # a user id in a row or a write: often the persona itself
    objects = tuple(draw(st.lists(st.builds(StoredObject, folders, actor), max_size=8)))
    event_types = st.sampled_from(EVENTS)
    events = tuple(draw(st.lists(st.builds(MonitoringEvent, users, _maybe(in_sessions), event_types),
                                 max_size=3)))
    world = World(roles, sessions, messages, objects, events, persona)

    shapes = st.sampled_from(SHAPE_CHOICES)
    ops: list[st.SearchStrategy[Any]] = [
        st.builds(MessageInsert, in_my_sessions, actor),
        st.builds(SessionInsert, participants),
        st.builds(SessionRetitle, in_my_sessions),
        st.builds(SessionReopen, in_my_sessions),
        st.builds(SessionInvite, in_my_sessions, users),
        st.builds(HardDelete, st.just("chat_sessions"), in_sessions),
        st.builds(FileInsert, folders, actor, shapes),
        st.builds(MonitoringInsert, actor, _maybe(in_my_sessions), event_types),
        st.builds(MarkRead, in_my_sessions),
    ]
    if messages:
        in_messages = st.sampled_from([k for k, x in enumerate(messages) if x.sender == persona] * 2
                                      + list(range(len(messages))))
        ops += [st.builds(MessageUpdate, in_messages, st.sampled_from(("content", "is_deleted"))),
                st.builds(MessageReassign, in_messages, users),
                st.builds(HardDelete, st.just("chat_messages"), in_messages)]
    if objects:
        in_objects = st.sampled_from([k for k, o in enumerate(objects) if o.user == persona] * 2
                                     + list(range(len(objects))))
        ops += [st.builds(FileMove, in_objects, folders, actor, shapes), st.builds(FileDelete, in_objects)]
    any_op = st.sampled_from(ops).flatmap(lambda strategy: strategy)  # every kind equally likely
    writes = tuple(draw(st.lists(any_op, min_size=8, max_size=16)))
    return Case(world, writes)


# --- seeding (as the superuser, inside the example's transaction) -------------------------------
_SEED_USER = sql.SQL("insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data) "
                     "values (%(id)s, 'authenticated', 'authenticated', %(email)s, %(meta)s, %(user_meta)s)")
_SEED_PROFILE = sql.SQL("insert into {} (id, role) values (%(id)s, %(role)s)")
_SEED_SESSION = sql.SQL("insert into {} (id, participants, created_by, status, title) "
                        "values (%(id)s, %(participants)s, %(created_by)s, %(status)s, 'seeded')")
_SEED_MESSAGE = sql.SQL(
    "insert into {} (id, session_id, sender_id, content, created_at, is_deleted, deleted_at) "
    "select %(id)s, %(session)s, %(sender)s, 'seeded', t, %(deleted)s, "
    "case when %(deleted)s then t + interval '2 seconds' end "
    "from (select now() - make_interval(secs => %(age)s) as t) as sent")
_SEED_CURSOR = sql.SQL("insert into {} (session_id, user_id, read_at) values (%(session)s, %(user)s, "
                       "now() - interval '1 minute')")
_SEED_BUCKET = sql.SQL("insert into storage.buckets (id, name, public) values (%(id)s, %(id)s, false) "
                       "on conflict (id) do nothing")
_SEED_OBJECT = sql.SQL("insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata) "
                       "values (%(id)s, %(bucket)s, %(name)s, %(owner)s, %(owner)s::text, "
                       "jsonb_build_object('size', 1))")
_SEED_EVENT = sql.SQL("insert into {} (id, user_id, event_type, session_id) "
                      "values (%(id)s, %(user)s, %(event)s, %(session)s)")


def seed(conn: psycopg.Connection[Any], n: Names, world: World) -> None:
    claim_roles = n.settings.role_source == "claim"
    with conn.cursor() as cur:
        cur.executemany(_SEED_USER, [
            {"id": user_id(i), "email": f"user{i}@property.test",
             "meta": json.dumps({"role": n.app_role(r)} if claim_roles and r else {}), "user_meta": "{}"}
            for i, r in enumerate(world.roles)])
        cur.executemany(_SEED_PROFILE.format(n.table("profiles")), [
            {"id": user_id(i), "role": n.app_role(r)} for i, r in enumerate(world.roles) if r is not None])
        cur.executemany(_SEED_SESSION.format(n.table("chat_sessions")), [
            {"id": session_id(j), "participants": [user_id(i) for i in sorted(s.participants)],
             "created_by": user_id(min(s.participants)), "status": s.status}
            for j, s in enumerate(world.sessions)])
        if world.messages:
            cur.executemany(_SEED_MESSAGE.format(n.table("chat_messages")), [
                {"id": _id("message", k), "session": session_id(m.session), "sender": user_id(m.sender),
                 "deleted": m.deleted, "age": 30 * 86400.0 if m.old else 90.0 if m.read else 30.0}
                for k, m in enumerate(world.messages)])
        cur.executemany(_SEED_CURSOR.format(n.table("chat_read_cursors")), [
            {"session": session_id(j), "user": user_id(i)}
            for j, s in enumerate(world.sessions) for i in sorted(s.readers & s.participants)])
        cur.execute(_SEED_BUCKET, {"id": OTHER_BUCKET})
        objects = [{"id": _id("object", k), "bucket": n.bucket, "owner": user_id(o.user),
                    "name": object_path(o.folder, o.user, "ok", f"seeded-{k}.txt")}
                   for k, o in enumerate(world.objects)]
        objects.append({"id": _id("object", -1), "bucket": OTHER_BUCKET, "owner": user_id(0),
                        "name": "readings/aries.mp3"})
        cur.executemany(_SEED_OBJECT, objects)
        if world.events:
            cur.executemany(_SEED_EVENT.format(n.table("chat_monitoring")), [
                {"id": _id("event", k), "user": user_id(e.user), "event": e.event_type,
                 "session": None if e.session is None else session_id(e.session)}
                for k, e in enumerate(world.events)])


# --- acting as the persona -------------------------------------------------------------------
@dataclass(frozen=True)
class Actor:
    role: str
    claims: dict[str, Any]
    label: str


def actor_for(world: World, n: Names) -> Actor:
    if world.persona is None:
        return Actor("anon", PACK.claims_for(Persona("anon", "anon"), None, n.settings), "anon")
    i = world.persona
    persona = Persona(f"user{i}", "authenticated", n.app_role(world.roles[i]))
    label = f"user{i} ({world.roles[i] or 'no app role'})"
    return Actor("authenticated", PACK.claims_for(persona, user_id(i), n.settings), label)


def attempt(conn: psycopg.Connection[Any], actor: Actor, write: Write, n: Names) -> bool | int | None:
    """Run one write as the actor (rolled back). Rows: succeeded = no error and >= 1 row; RPC: its value."""
    statement, params = write.statement(n)
    with impersonate(conn, actor.role, actor.claims, HEADERS):
        if isinstance(write, FileDelete):  # as the Storage API sets it: its delete protection lets RLS decide
            conn.execute("select set_config('storage.allow_delete_query', 'true', true)")
        try:
            with conn.transaction():
                cur = conn.execute(statement, params)
                if isinstance(write, MarkRead):
                    row = cur.fetchone()
                    return None if row is None else int(row[0])
                return cur.rowcount >= 1
        except psycopg.Error:
            return None if isinstance(write, MarkRead) else False


def observe_reads(conn: psycopg.Connection[Any], actor: Actor, n: Names) -> dict[str, Any]:
    """What the actor sees; a refused read counts as seeing nothing (unread counts: None)."""
    bucket = sql.Literal(n.bucket)
    queries: dict[str, sql.Composed] = {
        "chat_sessions": sql.SQL("select id from {}").format(n.table("chat_sessions")),
        "chat_messages": sql.SQL("select id from {}").format(n.table("chat_messages")),
        "chat_files": sql.SQL("select id from storage.objects where bucket_id = {}").format(bucket),
        "other_buckets": sql.SQL("select id from storage.objects where bucket_id <> {}").format(bucket),
        "chat_audit_logs": sql.SQL("select id from {}").format(n.table("chat_audit_logs")),
        "chat_monitoring": sql.SQL("select id from {}").format(n.table("chat_monitoring")),
        "unread_counts": sql.SQL("select session_id, unread from {}()").format(
            n.function("chat_unread_counts")),
    }
    seen: dict[str, Any] = {}
    with impersonate(conn, actor.role, actor.claims, HEADERS):
        for name, query in queries.items():
            try:
                with conn.transaction():
                    rows = conn.execute(query).fetchall()
            except psycopg.Error:
                seen[name] = None if name == "unread_counts" else set()
                continue
            seen[name] = {r[0]: int(r[1]) for r in rows} if name == "unread_counts" else {r[0] for r in rows}
    return seen


def expected_reads(conn: psycopg.Connection[Any], m: Model, n: Names) -> dict[str, Any]:
    w = m.world
    audit_ids = {r[0] for r in conn.execute(sql.SQL("select id from {}").format(n.table("chat_audit_logs")))}
    unread: dict[uuid.UUID, int] | None = None
    if m.me is not None:
        unread = {}
        for msg in w.messages:
            if m.unread(msg):
                unread[session_id(msg.session)] = unread.get(session_id(msg.session), 0) + 1
    return {
        "chat_sessions": {session_id(j) for j in range(len(w.sessions)) if m.sees_session(j)},
        "chat_messages": {_id("message", k) for k, x in enumerate(w.messages) if m.sees_session(x.session)},
        "chat_files": {_id("object", k) for k, o in enumerate(w.objects) if m.sees_session(o.folder)},
        "other_buckets": set(),
        "chat_audit_logs": audit_ids if m.role in ADMINS else set(),
        "chat_monitoring": {_id("event", k) for k in range(len(w.events))} if m.role in OBSERVERS else set(),
        "unread_counts": unread,
    }


def _show(value: Any, ids: Mapping[Any, str]) -> str:
    if isinstance(value, set):
        return "{" + ", ".join(sorted(ids.get(v, str(v)) for v in value)) + "}"
    return repr(value)


def check(conn: psycopg.Connection[Any], n: Names, case: Case) -> list[str]:
    """Every difference between the database and the model, as readable lines."""
    world, model = case.world, Model(case.world)
    actor = actor_for(world, n)
    ids: dict[Any, str] = {session_id(j): f"session{j}" for j in range(len(world.sessions))}
    ids.update({_id("message", k): f"message{k}" for k in range(len(world.messages))})
    ids.update({_id("object", k): f"object{k}" for k in range(len(world.objects))})
    ids.update({_id("event", k): f"event{k}" for k in range(len(world.events))})
    problems = []
    want = expected_reads(conn, model, n)
    got = observe_reads(conn, actor, n)
    for name, expected in want.items():
        if got[name] != expected:
            problems.append(f"{actor.label} reads {name}: model {_show(expected, ids)}, "
                            f"database {_show(got[name], ids)}")
    for write in case.writes:
        expected_outcome = write.expected(model)
        outcome = attempt(conn, actor, write, n)
        if outcome != expected_outcome:
            problems.append(f"{actor.label} {write}: model {expected_outcome!r}, database {outcome!r}")
    return problems


# --- the property ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world_conn(samia_server: Server, _samia_chat_template: str) -> Iterator[psycopg.Connection[Any]]:
    """One chat database for the module (cloned from the template); examples never commit."""
    name = f"samia_prop_{uuid.uuid4().hex[:12]}"
    dsn = create_database(samia_server, name, template=_samia_chat_template)
    try:
        with connect(dsn, autocommit=True, application_name="samia-property") as conn:
            yield conn
    finally:
        drop_database(samia_server, name)


@settings(max_examples=int(os.environ.get("SAMIA_HYPOTHESIS_EXAMPLES", "200")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases())
def test_no_persona_reads_or_writes_outside_the_matrix(
    world_conn: psycopg.Connection[Any], samia_settings: Settings, case: Case
) -> None:
    names = Names(samia_settings)
    model = Model(case.world)
    for write in case.writes:  # `--hypothesis-show-statistics` shows how often each kind is allowed
        expected = write.expected(model)
        kind = type(write).__name__ + (f" {write.column}" if isinstance(write, MessageUpdate) else
                                       f" {write.table}" if isinstance(write, HardDelete) else "")
        event(f"{kind}: {'refused' if expected is None or expected is False else 'allowed'}")
    with world_conn.transaction(force_rollback=True):
        seed(world_conn, names, case.world)
        problems = check(world_conn, names, case)
    assert not problems, "\n".join(problems)


def test_the_property_catches_planted_policy_holes(
    world_conn: psycopg.Connection[Any], samia_settings: Settings
) -> None:
    """The check is not vacuous: on a fixed world it passes, and two planted holes are reported."""
    names = Names(samia_settings)
    world = World(roles=("client", "client", "reader"), sessions=(Session(frozenset({1, 2}), "active"),),
                  messages=(Message(0, 1, old=False, read=False, deleted=False),), objects=(), events=(),
                  persona=0)
    case = Case(world, (MessageInsert(0, 0), MessageInsert(0, 1)))
    holes = (
        sql.SQL("create policy samia_property_open on {} as permissive for select to authenticated "
                "using (true)").format(names.table("chat_messages")),
        sql.SQL("create policy samia_property_spoof on {} as permissive for insert to authenticated "
                "with check (true)").format(names.table("chat_messages")),
    )
    with world_conn.transaction(force_rollback=True):
        seed(world_conn, names, world)
        assert check(world_conn, names, case) == []
        for hole in holes:
            world_conn.execute(hole)
        problems = check(world_conn, names, case)
    assert problems == [
        "user0 (client) reads chat_messages: model {}, database {message0}",
        "user0 (client) MessageInsert(session=0, sender=0): model False, database True",
        "user0 (client) MessageInsert(session=0, sender=1): model False, database True",
    ]
