"""A security definer function in an exposed schema that authenticated (or PUBLIC) may execute.

Exposed schemas only: definer helpers in a private schema, called from policies and invoker RPCs,
are the recommended pattern.
"""

from __future__ import annotations

from samia_schema.linter.definers import definer_rule

RULE = definer_rule("authenticated_security_definer_function_executable", "warn",
                    "Security definer function in an exposed schema executable by signed-in users", "authenticated",
                    exposed_only=True)
