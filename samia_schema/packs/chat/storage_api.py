"""The Storage API, request by request, as the verifier's chat-files probes run it on the database.

A client never touches `storage.objects` through PostgREST: it calls the Storage API server
(supabase/storage), which opens a transaction per request, puts the caller's identity in it and
runs fixed statements under the caller's role, finishing some requests as the service role. These
functions run the same statements in the same order, inside the caller's (rolled-back) transaction,
so the policies are exercised exactly as the API exercises them:

* upload: a test INSERT without RETURNING under the caller's role, rolled back; then the service
  role writes the row, `INSERT … ON CONFLICT DO UPDATE`, owner_id = the caller (`upload`);
* upload with `upsert: true`: the test is `INSERT … ON CONFLICT (name, bucket_id) DO UPDATE …
  RETURNING *`, rolled back; then as upload (`upload(upsert=True)`);
* download and createSignedUrl: `SELECT … LIMIT 1` (a signed URL is later served without RLS)
  (`download`);
* list: `storage.search(prefix, bucket, limit, levels, offset, search, sort…)` (`list_objects`);
* move: `SELECT … LIMIT 1` and `UPDATE … SET name, bucket_id, version, owner, owner_id RETURNING *`,
  rolled back; then the same UPDATE by the service role (`move`);
* remove: `DELETE … WHERE name = ANY(…) RETURNING *`; a refused path is left out of the answer, a
  refused remove answers 200 `[]` (`remove`).

Each request first runs the API's scope statement (sql/chat/storage/scope.sql): `role`,
`request.jwt.claim.role`, `request.jwt`, `request.jwt.claim.sub`, `request.jwt.claims`,
`request.headers`, `request.method`, `request.path`, `storage.operation` and
`storage.allow_delete_query = 'true'` (the API deletes through RLS; the delete protection of its
`prevent-direct-deletes` migration only stops deletes that do not set it). The service role's
completion keeps the request's headers, so the client address stays visible to triggers. What a
request commits (a remove, an upload's completion) stays in the caller's transaction with the
request's settings: `reset role` before reading as the verifier.

Not reproduced, because they decide nothing the database enforces: the object bytes, the bucket's
size limit and MIME list (checked by the server before any SQL: see `mime_allowed`), advisory
locks, webhooks. The verifier holds no signing key: `request.jwt` carries the claims unsigned.

Facts from supabase/storage (src/storage/uploader.ts, object.ts, database/pg.ts,
internal/database/postgres/scope.ts, http/routes/operations.ts); the code here is ours.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ...access.matrix import Matrix
from ...access.probes import PROBE_HEADERS, AttemptResult, Probe
from ...access.reads import classify
from ...access.vocabulary import READ_LEVELS, CheckProbe, Operation, WriteProbe, levels
from ...errors import first_line
from ...resources import static_sql
from .trail import AuditExpect
from .world import OTHER_BUCKET, StoredObject, World, foreign_session, home_session, other_user, own_session

# the operation ids the API puts in storage.operation (src/http/routes/operations.ts)
UPLOAD, UPDATE, DOWNLOAD, SIGN, LIST, MOVE, REMOVE = (
    "storage.object.upload", "storage.object.upload_update", "storage.object.get_authenticated",
    "storage.object.sign", "storage.object.list", "storage.object.move", "storage.object.delete_many")
SERVICE_CLAIMS: Mapping[str, Any] = {"iss": "supabase", "role": "service_role"}  # the service key's payload
_SQLSTATE_STATUS = {"42501": "403", "23505": "409", "P0002": "404"}


# --- requests ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """Who calls the API: the verified JWT's claims and the request headers.

    Example:
        >>> Caller({"sub": uid, "role": "authenticated"}, PROBE_HEADERS).owner == str(uid)
        True
    """

    claims: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def role(self) -> str:
        return str(self.claims.get("role") or "anon")

    @property
    def owner(self) -> str | None:
        """The object owner the API records for this caller: the JWT's `sub`."""
        sub = self.claims.get("sub")
        return str(sub) if sub else None

    @property
    def jwt(self) -> str:
        """The token as `request.jwt` carries it (unsigned: nothing in the database verifies it)."""
        def part(value: Mapping[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).rstrip(b"=").decode()

        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(self.claims)}."

    @classmethod
    def of(cls, claims: Mapping[str, Any], headers: Mapping[str, str]) -> Caller:
        """A caller whose headers carry its token (`authorization: Bearer …`), as a request does."""
        caller = cls(claims)
        return cls(claims, {**headers, "authorization": f"Bearer {caller.jwt}"})

    def service(self) -> Caller:
        """The API's own connection for the same request (`asSuperUser()`): the service key, same headers."""
        return Caller(SERVICE_CLAIMS, self.headers)


@dataclass(frozen=True)
class Answer:
    """What the API answers: 200 with a body, or 400 with the real status code in the body."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def detail(self) -> str:
        return f"{self.status} {json.dumps(self.body, default=str)[:160]}"


def _error(exc: psycopg.Error) -> Answer:
    code = _SQLSTATE_STATUS.get(exc.sqlstate or "", "500")
    return Answer(400, {"statusCode": code, "message": first_line(exc)})


def _not_found(name: str) -> Answer:
    return Answer(400, {"statusCode": "404", "error": "not_found", "message": f"Object not found: {name}"})


def scope(conn: psycopg.Connection[Any], caller: Caller, operation: str, method: str, path: str) -> None:
    """The API's scope statement, transaction-local (sql/chat/storage/scope.sql)."""
    conn.execute(static_sql("chat/storage/scope.sql").encode(), {
        "role": caller.role, "jwt": caller.jwt, "sub": caller.owner or "",
        "claims": json.dumps(dict(caller.claims), default=str), "headers": json.dumps(dict(caller.headers)),
        "method": method, "path": path, "operation": operation})


def _row(conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any],
         **parts: sql.Composable) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        statement = sql.SQL(static_sql(f"chat/storage/{name}.sql")).format(**parts) if parts else \
            static_sql(f"chat/storage/{name}.sql").encode()
        cur.execute(statement, params)
        return cur.fetchone() if cur.description is not None else None


def _assignments(columns: tuple[str, ...], source: str | None = None) -> sql.Composed:
    """`col = excluded.col, …` (source None) or `col = %(col)s, …`."""
    return sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.SQL("excluded.{}").format(sql.Identifier(c))
                                  if source is None else sql.Placeholder(c)) for c in columns)


def _object_values(caller: Caller, bucket: str, name: str, metadata: Mapping[str, Any], version: str,
                   user_metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    owner = caller.owner
    is_uuid = owner is not None and _is_uuid(owner)
    return {"bucket": bucket, "name": name, "owner": owner if is_uuid else None, "owner_id": owner,
            "metadata": json.dumps(dict(metadata)), "version": version,
            "user_metadata": None if user_metadata is None else json.dumps(dict(user_metadata))}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _upsert(conn: psycopg.Connection[Any], values: dict[str, Any]) -> dict[str, Any] | None:
    # the API updates only the columns the request carries (undefined ones are left out)
    carried = tuple(c for c in ("metadata", "user_metadata", "version", "owner", "owner_id")
                    if values[c] is not None)
    return _row(conn, "upsert_object", values, assignments=_assignments(carried))


def upload(conn: psycopg.Connection[Any], caller: Caller, bucket: str, name: str,
           metadata: Mapping[str, Any], *, upsert: bool = False) -> Answer:
    """`POST /object/{bucket}/{name}` (`x-upsert: true` when `upsert`), as `Uploader.upload` runs it.

    1. `canUpload`, under the caller's role, in a transaction that is rolled back: `createObject` (an
       INSERT without RETURNING: the INSERT policy decides) or, for an upsert, `upsertObject` (INSERT
       … ON CONFLICT (name, bucket_id) DO UPDATE … RETURNING *: INSERT for a new path; UPDATE using and
       check plus SELECT for an existing one).
    2. `completeUpload`, as the service role: `findObject … FOR UPDATE`, then `upsertObject` with a new
       version, owner_id = the caller's sub.

    Example:
        >>> caller = Caller(claims, PROBE_HEADERS)
        >>> upload(conn, caller, "chat-files", f"{sid}/{uid}/a.txt", {"mimetype": "text/plain"}).ok
        True
    """
    path = f"/object/{bucket}/{name}"
    test = _object_values(caller, bucket, name, metadata, "1", None)
    try:
        with conn.transaction(force_rollback=True):
            scope(conn, caller, UPLOAD, "POST", path)
            if upsert:
                _upsert(conn, test)
            else:
                _row(conn, "create_object", test)
    except psycopg.Error as exc:
        return _error(exc)
    final = _object_values(caller, bucket, name, metadata, str(uuid.uuid4()), {})
    try:
        with conn.transaction():
            scope(conn, caller.service(), UPLOAD, "POST", path)
            _row(conn, "find_object", {"bucket": bucket, "name": name}, lock=sql.SQL("for update"))
            row = _upsert(conn, final)
    except psycopg.Error as exc:
        return _error(exc)
    return Answer(200, {"Id": str(row["id"]) if row else None, "Key": f"{bucket}/{name}"})


def _batch(conn: psycopg.Connection[Any], caller: Caller, operation: str, method: str, path: str,
           statement: bytes, requests: dict[str, dict[str, Any]]) -> dict[str, Answer]:
    """Read-only requests of one caller, each statement exactly the API's, sharing one scope and one
    round trip (they change nothing, so one transaction per request would observe the same)."""
    try:
        with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
            scope(conn, caller, operation, method, path)
            cur.executemany(statement, list(requests.values()), returning=True)
            answers = {}
            for key in requests:
                answers[key] = Answer(200, cur.fetchall())
                cur.nextset()
    except psycopg.Error as exc:
        return {key: _error(exc) for key in requests}
    return answers


def download(conn: psycopg.Connection[Any], caller: Caller, bucket: str, names: list[str]) -> dict[str, Answer]:
    """`GET /object/authenticated/{bucket}/{name}` for each name, on a private bucket: `findObject`
    under the caller's role (`SELECT … LIMIT 1`); no row is "Object not found". `createSignedUrl`
    runs the same SELECT (operation `storage.object.sign`); the URL it returns is later served
    without RLS.

    Example:
        >>> download(conn, caller, "chat-files", [f"{sid}/{uid}/a.txt"])[f"{sid}/{uid}/a.txt"].ok
        True
    """
    statement = sql.SQL(static_sql("chat/storage/find_object.sql")).format(lock=sql.SQL("")).as_bytes(conn)
    found = _batch(conn, caller, DOWNLOAD, "GET", f"/object/authenticated/{bucket}/", statement,
                   {name: {"bucket": bucket, "name": name} for name in names})
    return {name: (Answer(200, {"id": str(a.body[0]["id"])}) if a.body else _not_found(name)) if a.ok else a
            for name, a in found.items()}


def list_objects(conn: psycopg.Connection[Any], caller: Caller, bucket: str, prefixes: list[str], *,
                 limit: int = 100, offset: int = 0, search: str = "") -> dict[str, Answer]:
    """`POST /object/list/{bucket}` for each prefix (supabase-js `list(prefix)`): `storage.search()`
    under the caller's role, `levels` = the number of '/'-separated parts of prefix + search, as the
    API computes it. Each body is the entries: folders (id null) and files.
    """
    requests = {prefix: {"prefix": prefix, "bucket": bucket, "limit": limit, "offset": offset, "search": search,
                         "levels": len((prefix + search).split("/")), "sortcolumn": "name", "sortorder": "asc"}
                for prefix in prefixes}
    listed = _batch(conn, caller, LIST, "POST", f"/object/list/{bucket}",
                    static_sql("chat/storage/search.sql").encode(), requests)
    return {prefix: Answer(200, [{"name": r["name"], "id": r["id"] and str(r["id"])} for r in a.body]) if a.ok else a
            for prefix, a in listed.items()}


def move(conn: psycopg.Connection[Any], caller: Caller, bucket: str, source: str, destination: str) -> Answer:
    """`POST /object/move` (`ObjectStorage.moveObject`).

    1. `testPermission`, under the caller's role, rolled back: `findObject(source)` (SELECT … LIMIT 1)
       and `updateObject(source)` setting name, bucket_id, version, owner and owner_id (UPDATE …
       RETURNING *); a missing row is "Object not found".
    2. As the service role: `findObject(source)`, then `findObject … FOR UPDATE` and the same
       `updateObject` with the new version, the caller as owner, metadata and user_metadata.
    """
    path = "/object/move"
    values = {**_object_values(caller, bucket, source, {}, str(uuid.uuid4()), None), "bucket_id": bucket,
              "new_name": destination}
    where = {"bucket": bucket, "name": source}
    # name and bucket_id always; owner / owner_id only when the caller has a sub (undefined ones are left out)
    carried = tuple(c for c in ("bucket_id", "version", "owner", "owner_id") if values[c] is not None)
    renamed = sql.SQL(", ").join([sql.SQL("name = %(new_name)s"), _assignments(carried, "param")])
    try:
        with conn.transaction(force_rollback=True):
            scope(conn, caller, MOVE, "POST", path)
            if _row(conn, "find_object", where, lock=sql.SQL("")) is None:
                return _not_found(source)
            if _row(conn, "update_object", values, assignments=renamed) is None:
                return _not_found(source)
    except psycopg.Error as exc:
        return _error(exc)
    try:
        with conn.transaction():
            scope(conn, caller.service(), MOVE, "POST", path)
            found = _row(conn, "find_object", where, lock=sql.SQL(""))
            locked = _row(conn, "find_object", where, lock=sql.SQL("for update"))
            if found is None or locked is None:
                return _not_found(source)
            # metadata is re-read from the copied bytes by the API: unchanged here
            completion = sql.SQL(", ").join([renamed, sql.SQL("user_metadata = %(kept)s")])
            _row(conn, "update_object", {**values, "kept": json.dumps(found["user_metadata"])},
                 assignments=completion)
    except psycopg.Error as exc:
        return _error(exc)
    return Answer(200, {"message": "Successfully moved"})


def remove(conn: psycopg.Connection[Any], caller: Caller, bucket: str, names: list[str]) -> Answer:
    """`DELETE /object/{bucket}` with `prefixes` (supabase-js `remove([...])`): `deleteObjects` under
    the caller's role, `DELETE … WHERE name = ANY(…) RETURNING *`. The body is what was deleted: a
    refused path is missing from it, and a refused remove answers 200 with `[]`.
    """
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:  # the API commits it
            scope(conn, caller, REMOVE, "DELETE", f"/object/{bucket}")
            rows = cur.execute(static_sql("chat/storage/delete_objects.sql").encode(),
                               {"bucket": bucket, "names": names}).fetchall()
    except psycopg.Error as exc:
        return _error(exc)
    return Answer(200, [{"name": r["name"], "id": str(r["id"])} for r in rows])


def mime_allowed(allowed: tuple[str, ...], mime: str) -> bool:
    """The API's MIME check (`validateMimeType`): `type/rest` against each `type/*` or `type/rest`,
    where `rest` is everything after the '/' — parameters included, case and spaces as sent.

    Example:
        >>> mime_allowed(("audio/webm;codecs=opus",), "audio/webm; codecs=opus")
        False
    """
    kind, slash, rest = mime.partition("/")
    if not slash:
        return False
    for entry in allowed:
        a_kind, _, a_rest = entry.partition("/")
        if a_kind == kind and a_rest in ("*", rest):
            return True
    return False


def upload_content_types(mime: str) -> dict[str, str]:
    """The content type the API sees for a file of type `mime`, per upload form: a raw upload sends
    it as is; a multipart upload's file part reaches the API without its parameters.

    Example:
        >>> upload_content_types("audio/webm;codecs=opus")
        {'raw': 'audio/webm;codecs=opus', 'multipart': 'audio/webm'}
    """
    return {"raw": mime, "multipart": mime.split(";", 1)[0].strip()}


# --- the chat-files probes --------------------------------------------------------------------
def caller_of(p: Probe) -> Caller:
    """The persona as the API sees it: its JWT claims, and the verifier's request headers with the
    bearer token every Storage API request carries."""
    return Caller.of({**p.claims, "role": p.claims.get("role") or p.persona.role}, PROBE_HEADERS)


def _objects(p: Probe) -> tuple[StoredObject, ...]:
    world: World = p.world
    return world.chat_objects(p.settings.bucket)


def _own(p: Probe) -> frozenset[uuid.UUID]:
    folders = {str(s.id) for s in p.world.own_sessions(p.uid)}
    return frozenset(o.id for o in _objects(p) if o.session_folder in folders)


def _object(p: Probe, session: uuid.UUID, owner: uuid.UUID | None) -> StoredObject | None:
    return next((o for o in _objects(p) if o.name.startswith(f"{session}/{owner}/")), None)


def downloads(p: Probe, matrix: Matrix) -> tuple[str, str]:
    """chat_files.select: every world object downloaded (as a signed URL is created) one request each."""
    answers = download(p.conn, caller_of(p), p.settings.bucket, [o.name for o in _objects(p)])
    seen = {o.id for o in _objects(p) if answers[o.name].ok}
    return classify(seen, frozenset(o.id for o in _objects(p)), _own(p))


def other_downloads(p: Probe, matrix: Matrix) -> tuple[str, str]:
    """other_buckets.select: the objects of a bucket this schema does not own, downloaded one by one."""
    objects = [o for o in p.world.objects if o.bucket == OTHER_BUCKET]
    answers = download(p.conn, caller_of(p), OTHER_BUCKET, [o.name for o in objects])
    seen = {o.id for o in objects if answers[o.name].ok}
    return classify(seen, frozenset(o.id for o in objects), frozenset())


def listings(p: Probe, matrix: Matrix) -> tuple[str, str]:
    """chat_files.list: every `{session}/{user}/` folder of the world listed; the files it returns."""
    folders = sorted({o.name.rsplit("/", 1)[0] + "/" for o in _objects(p)})
    seen: set[Any] = set()
    for answer in list_objects(p.conn, caller_of(p), p.settings.bucket, folders).values():
        if answer.ok:
            seen |= {uuid.UUID(e["id"]) for e in answer.body if e["id"]}
    return classify(seen, frozenset(o.id for o in _objects(p)), _own(p))


def _request(p: Probe, name: str, send: Any, audit: AuditExpect) -> AttemptResult:
    def action(conn: psycopg.Connection[Any]) -> tuple[bool, str]:
        answer: Answer = send(conn)
        removed = isinstance(answer.body, list) and any(e["id"] == audit.record_id for e in answer.body)
        return (answer.ok and (removed if audit.action == "delete" else True)), answer.detail

    return p.run(name, action, audit=audit)


_CONTENT = {"mimetype": "text/plain", "size": 5}


def uploads(p: Probe) -> list[AttemptResult]:
    """chat_files.insert: uploads of new paths in the persona's folder and in others'."""
    home, a = home_session(p), other_user(p, "other_a")
    cases: dict[str, str] = {}
    own, closed = own_session(p), own_session(p, "closed")
    if p.uid:
        if own:
            cases["self_folder"] = f"{own.id}/{p.uid}/probe.txt"
        if closed:
            cases["closed_session"] = f"{closed.id}/{p.uid}/probe.txt"
        cases["foreign_session"] = f"{foreign_session(p).id}/{p.uid}/probe.txt"
    cases["other_user_folder"] = f"{home.id}/{a}/probe.txt"
    cases["malformed_path"] = f"{home.id}/probe.txt"
    caller, bucket = caller_of(p), p.settings.bucket
    return [_request(p, name, lambda conn, path=path: upload(conn, caller, bucket, path, _CONTENT),
                     AuditExpect("objects", "insert", None)) for name, path in cases.items()]


def upserts(p: Probe) -> list[AttemptResult]:
    """chat_files.upsert: `upsert: true` uploads of a new path and over existing objects."""
    caller, bucket, a = caller_of(p), p.settings.bucket, other_user(p, "other_a")
    home, own = home_session(p), own_session(p)
    results = []

    def send(name: str, path: str, target: StoredObject | None) -> None:
        audit = AuditExpect("objects", "update", str(target.id)) if target else AuditExpect("objects", "insert", None)
        results.append(_request(p, name, lambda conn: upload(conn, caller, bucket, path, _CONTENT, upsert=True),
                                audit))

    if own and p.uid:
        send("new_in_self_folder", f"{own.id}/{p.uid}/upserted.txt", None)
        mine = _object(p, own.id, p.uid)
        if mine:
            send("overwrite_own", mine.name, mine)
    send("new_malformed_path", f"{home.id}/upserted.txt", None)
    theirs = _object(p, home.id, a)
    if theirs:
        send("overwrite_other_user_in_session", theirs.name, theirs)
    foreign = _object(p, foreign_session(p).id, other_user(p, "other_b"))
    if foreign:
        send("overwrite_foreign_session", foreign.name, foreign)
    return results


def moves(p: Probe) -> list[AttemptResult]:
    """chat_files.update: moves (renames) of the persona's objects and of others'."""
    caller, bucket, a = caller_of(p), p.settings.bucket, other_user(p, "other_a")
    results = []

    def send(name: str, target: StoredObject | None, destination: str) -> None:
        if target is not None:
            results.append(_request(p, name, lambda conn: move(conn, caller, bucket, target.name, destination),
                                    AuditExpect("objects", "update", str(target.id))))

    own = own_session(p)
    if own and p.uid:
        mine = _object(p, own.id, p.uid)
        send("own_rename", mine, f"{own.id}/{p.uid}/renamed.txt")
        send("move_to_foreign_session", mine, f"{foreign_session(p).id}/{p.uid}/moved.txt")
        send("move_to_other_user_folder", mine, f"{own.id}/{a}/moved.txt")
    home = home_session(p)
    send("others_object", _object(p, home.id, a), f"{home.id}/{a}/renamed.txt")
    return results


def removes(p: Probe) -> list[AttemptResult]:
    """chat_files.delete: removes of the persona's object and of others' (success = it was deleted)."""
    caller, bucket = caller_of(p), p.settings.bucket
    results = []

    def send(name: str, target: StoredObject | None) -> None:
        if target is not None:
            results.append(_request(p, name, lambda conn: remove(conn, caller, bucket, [target.name]),
                                    AuditExpect("objects", "delete", str(target.id))))

    own = own_session(p)
    if own and p.uid:
        send("own_object", _object(p, own.id, p.uid))
    send("others_object_in_my_session", _object(p, home_session(p).id, other_user(p, "other_a")))
    send("foreign_object", _object(p, foreign_session(p).id, other_user(p, "other_b")))
    return results


def _per_persona(p: Probe) -> str:
    return p.persona.name


READS: dict[str, Operation] = {
    "select": CheckProbe(downloads, READ_LEVELS, _per_persona),
    "list": CheckProbe(listings, READ_LEVELS, _per_persona),
}
OTHER_BUCKETS: dict[str, Operation] = {"select": CheckProbe(other_downloads, ("none", "all"), _per_persona)}
WRITES: dict[str, WriteProbe] = {
    "insert": WriteProbe(uploads, levels(
        deny=(), self=("self_folder",),
        all=("self_folder", "closed_session", "foreign_session", "other_user_folder"),
        bypass=("self_folder", "closed_session", "foreign_session", "other_user_folder", "malformed_path"))),
    "upsert": WriteProbe(upserts, levels(
        deny=(), self=("new_in_self_folder", "overwrite_own"),
        all=("new_in_self_folder", "overwrite_own", "overwrite_other_user_in_session", "overwrite_foreign_session"),
        bypass=("new_in_self_folder", "overwrite_own", "overwrite_other_user_in_session",
                "overwrite_foreign_session", "new_malformed_path"))),
    "update": WriteProbe(moves, levels(
        deny=(), self=("own_rename",),
        all=("own_rename", "move_to_foreign_session", "move_to_other_user_folder", "others_object"),
        bypass=("own_rename", "move_to_foreign_session", "move_to_other_user_folder", "others_object"))),
    "delete": WriteProbe(removes, levels(
        deny=(), self=("own_object",), all=("own_object", "others_object_in_my_session", "foreign_object"),
        bypass=("own_object", "others_object_in_my_session", "foreign_object"))),
}
