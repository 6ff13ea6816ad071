"""A table the API serves without RLS has columns whose names say credentials or personal data."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import API_ROLES, MANAGED_SCHEMAS, Finding, LintContext, Rule

# column names (lower case, '-' read as '_') that hold secrets or personal, financial, medical,
# device or biometric data. Unlike splinter, not the name of a session's id: in most schemas it is a
# foreign key to a table of sessions, not a secret (a table without RLS is an error of
# rls_disabled_in_public anyway).
SENSITIVE = frozenset({
    # credentials
    "password", "passwd", "pwd", "passphrase", "secret", "secret_key", "private_key", "api_key", "apikey",
    "auth_key", "token", "jwt", "access_token", "refresh_token", "oauth_token", "session_token",
    "bearer_token", "auth_code", "session_key", "session_secret", "recovery_code",
    "backup_code", "verification_code", "otp", "two_factor", "2fa_secret", "2fa_code",
    # identity documents
    "ssn", "social_security", "social_security_number", "driver_license", "drivers_license",
    "license_number", "passport_number", "passport_id", "national_id", "tax_id",
    # money
    "credit_card", "card_number", "cvv", "cvc", "cvn", "bank_account", "account_number", "routing_number",
    "iban", "swift_code", "bic",
    # health
    "health_record", "medical_record", "patient_id", "insurance_number", "health_insurance",
    "medical_insurance", "treatment",
    # devices, keys, biometrics
    "mac_address", "macaddr", "imei", "device_uuid", "pgp_key", "gpg_key", "ssh_key", "certificate",
    "license_key", "activation_key", "facial_recognition",
})


def sensitive(column: str) -> bool:
    """Example: sensitive("API-Key") -> True"""
    return column.lower().replace("-", "_") in SENSITIVE


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.app_tables():
        if table.rls_enabled or not ctx.exposed(table.schema) or table.schema in MANAGED_SCHEMAS:
            continue
        whole = ctx.api_readers(table.schema, table.name)
        exposed = []
        for column in (c.name for c in table.columns if sensitive(c.name)):
            # a column-level SELECT on the sensitive column exposes it as well
            readers = set(whole) | {r for r in API_ROLES if any(
                g.schema == table.schema and g.table == table.name and g.column == column
                and g.privilege == "select" and g.grantee in (r, "public") for g in ctx.catalog.grants)}
            if readers:
                exposed.append((column, sorted(readers)))
        if exposed:
            columns = ", ".join(name for name, _ in exposed)
            who = ", ".join(sorted({r for _, rs in exposed for r in rs}))
            yield Finding(f"{table.schema}.{table.name}",
                          f"served without RLS to {who}, with sensitive column(s): {columns}")


RULE = Rule("sensitive_columns_exposed", "error", "Sensitive columns exposed without RLS", "security", check)
