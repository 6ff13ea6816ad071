"""Read probes: what a persona sees, classified against the world's ground truth; the RPC surface."""

from __future__ import annotations

from typing import Any

from psycopg import sql
from psycopg.rows import dict_row

from ..resources import static_sql
from .probes import Probe
from .vocabulary import ReadTarget


def classify(visible: set[Any] | None, every: frozenset[Any], own: frozenset[Any]) -> tuple[str, str]:
    """Level observed from what was visible: none / own / all, or a precise description.

    Example:
        >>> classify({1, 2}, frozenset({1, 2, 3}), frozenset({1, 2}))
        ('own', '2 own rows, no foreign row')
    """
    if not every:
        return "vacuous", "the world has no rows to see"
    if visible is None:
        return "none", "permission denied"
    seen = visible & every
    foreign_seen = bool(visible - own)  # rows outside the world count as foreign too
    if not seen and not foreign_seen:
        return "none", "0 rows"
    if seen == every:
        return "all", f"{len(seen)}/{len(every)} world rows"
    if own and seen == own and not foreign_seen:
        return "own", f"{len(own)} own rows, no foreign row"
    missing, extra = len(own - seen), len(seen - own)
    return "partial", f"{len(seen)}/{len(every)} world rows, {missing} own row(s) missing, {extra} foreign row(s) seen"


def read_level(probe: Probe, target: ReadTarget) -> tuple[str, str]:
    """Observe the select level of a read target for the probe's persona (never a whole table in Python)."""
    if target.whole:
        row = probe.conn.execute(sql.SQL("select count(*) from ({}) v").format(target.statement),
                                 target.params).fetchone()
        return whole_level(probe.count(target.statement, target.params), int(row[0]) if row else 0)
    return classify(probe.visible(target.statement, target.params, within=target.every), target.every, target.own)


def whole_level(visible: int | None, total: int) -> tuple[str, str]:
    """Level of a table the persona sees all of or nothing of, from row counts.

    Example:
        >>> whole_level(0, 12)
        ('none', '0 rows')
    """
    if not total:
        return "vacuous", "the world has no rows to see"
    if visible is None:
        return "none", "permission denied"
    if visible == 0:
        return "none", "0 rows"
    if visible == total:
        return "all", f"{total}/{total} rows"
    return "partial", f"{visible}/{total} rows"


def surface_level(probe: Probe, schema: str, declared: frozenset[str]) -> tuple[str, str]:
    """The functions of an exposed schema the persona's Postgres role may execute, against a list.

    Levels: `none` (nothing executable), `declared` (exactly the list), `undeclared` (other),
    `trusts-caller-id` (a security definer function takes a user id argument).
    """
    with probe.conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(static_sql("access/rpc_surface.sql").encode(),
                           {"schema": schema, "role": probe.persona.role}).fetchall()
    names = {r["name"] for r in rows}
    trusting = sorted(r["name"] for r in rows if r["security_definer"] and r["takes_user_id"])
    if trusting:
        return "trusts-caller-id", f"security definer RPC(s) taking a user id argument: {', '.join(trusting)}"
    if not names:
        return "none", "no executable functions"
    if names == declared:
        return "declared", ", ".join(sorted(names))
    extra, missing = sorted(names - declared), sorted(declared - names)
    return "undeclared", f"extra: {', '.join(extra) or '-'}; missing: {', '.join(missing) or '-'}"
