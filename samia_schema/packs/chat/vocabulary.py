"""The chat pack's matrix vocabulary: resources, operations, levels, and the probe behind each."""

from __future__ import annotations

from ...access.vocabulary import CheckProbe, Operation, ReadProbe, Vocabulary
from . import hardening, reads, realtime, storage_api
from .attempts import WRITE_PROBES


def _writes(resource: str) -> dict[str, Operation]:
    return {op: probe for (res, op), probe in WRITE_PROBES.items() if res == resource}


VOCABULARY: Vocabulary = {
    "chat_sessions": {"select": ReadProbe(reads.sessions), **_writes("chat_sessions")},
    "chat_messages": {"select": ReadProbe(reads.messages), **_writes("chat_messages"),
                      "bulk_write": CheckProbe(hardening.bulk_write, ("bounded", "per_row", "uncapped"))},
    "chat_files": {**storage_api.READS, **_writes("chat_files")},
    "chat_audit_logs": {"select": ReadProbe(reads.whole_table("chat_audit_logs"), ("none", "all")),
                        **_writes("chat_audit_logs"),
                        "client_ip": CheckProbe(hardening.client_ip, ("trusted", "spoofable", "lossy", "wrong"))},
    "chat_monitoring": {"select": ReadProbe(reads.whole_table("chat_monitoring"), ("none", "all")),
                        **_writes("chat_monitoring")},
    "rpc": {**_writes("rpc"),
            "surface": CheckProbe(reads.rpc_surface, ("none", "declared"), lambda p: p.persona.role)},
    "other_buckets": storage_api.OTHER_BUCKETS,
    "bucket": {"settings": CheckProbe(reads.bucket_settings, ("private", "public"))},
    "realtime": realtime.OPERATIONS,
}
