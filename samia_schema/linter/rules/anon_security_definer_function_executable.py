"""A security definer function anon (or PUBLIC, hence anon) may execute: anyone holding the public key.

Every application schema: a definer helper anon may execute is a hole even when it is not exposed.
"""

from __future__ import annotations

from samia_schema.linter.definers import definer_rule

RULE = definer_rule("anon_security_definer_function_executable", "error",
                    "Security definer function executable by anon or PUBLIC", "anon", exposed_only=False)
