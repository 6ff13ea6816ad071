"""Render the Jinja SQL templates into a Plan, deterministically and with StrictUndefined."""

from __future__ import annotations

import jinja2

from .config import Settings
from .errors import TemplateError
from .plan import Plan, Unit
from .project import Project
from .quoting import quote_ident, quote_literal, quote_text_array


def _environment(project: Project) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(project.templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ident"] = quote_ident
    env.filters["literal"] = quote_literal
    env.filters["text_array"] = quote_text_array
    return env


def template_context(settings: Settings) -> dict[str, object]:
    """The variables every template sees."""
    roles = settings.app_roles
    bases = sorted({m.split(";", 1)[0] for m in settings.allowed_mime_types})
    return {
        "mime_exact": [m for m in bases if "*" not in m],
        "mime_wild": [m for m in bases if m.endswith("/*")],
        "s": settings,
        "schema": settings.schema,
        "private": settings.private_schema,
        "bucket": settings.bucket,
        "roles": roles,
        "member_roles": [roles.client, roles.reader],
        "staff_read_roles": [roles.monitor, roles.admin, roles.super_admin],
        "admin_roles": [roles.admin, roles.super_admin],
        "posting_roles": [roles.client, roles.reader, roles.admin, roles.super_admin],
        "message_types": ["text", "audio", "image", "file", "video", "system", "emergency"],
        "session_types": ["direct", "booking", "support", "group", "emergency"],
        "session_statuses": ["active", "closed", "archived"],
        "message_statuses": ["sent", "delivered", "read", "failed"],
        "monitor_events": [
            "user_connected", "user_disconnected", "session_joined", "session_left",
            "typing_started", "typing_stopped", "message_flagged", "error",
        ],
    }


def render(settings: Settings, project: Project | None = None) -> Plan:
    """Render every template of `project` (the bundled chat schema by default).

    Example:
        >>> plan = render(load_settings())
        >>> plan.units[0].name
        '000_schemas'
    """
    project = project or Project.bundled()
    env = _environment(project)
    context = template_context(settings)
    units = []
    for name in project.template_names():
        try:
            sql = env.get_template(name).render(context)
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{name}: undefined template variable: {exc.message}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{name}:{exc.lineno}: template syntax error: {exc.message}") from None
        units.append(Unit(name=name.removesuffix(".sql.j2"), sql=sql.strip() + "\n"))
    return Plan(units=tuple(units))
