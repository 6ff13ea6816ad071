"""samia-schema: Supabase-native schema, migration and RLS policy toolkit."""

from .config import AppRoles, Settings, load_settings, mime_accepts
from .errors import (
    ConfigError,
    DatabaseError,
    LedgerDriftError,
    SamiaError,
    SpecError,
    TemplateError,
)
from .plan import Plan, Unit
from .project import Project
from .render import render

__version__ = "0.1.0"

__all__ = [
    "AppRoles", "ConfigError", "DatabaseError", "LedgerDriftError", "Plan", "Project", "SamiaError",
    "Settings", "SpecError", "TemplateError", "Unit", "__version__", "load_settings", "mime_accepts",
    "render",
]
