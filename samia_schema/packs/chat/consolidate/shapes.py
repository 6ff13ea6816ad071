"""The known legacy shapes of a SAMIA TAROT database (shared/reference/legacy-samia.md)."""

from __future__ import annotations

import re

# legacy chat tables and the columns each generation left (a table must have all of them)
LEGACY_TABLES: dict[str, frozenset[str]] = {
    "messages": frozenset({"id", "booking_id", "sender_id", "type", "content", "file_url", "metadata", "is_read",
                           "created_at", "file_name", "file_size", "duration_seconds", "is_approved", "approved_by",
                           "approved_at", "flagged", "flagged_reason", "reply_to"}),
    "chat_sessions": frozenset({"id", "booking_id", "client_id", "reader_id", "status", "locked_by", "locked_at",
                                "client_text_chars_used", "client_voice_seconds_used", "client_images_sent",
                                "reader_voice_notes_sent", "max_text_chars", "max_voice_seconds", "max_images",
                                "max_reader_voice_notes", "created_at", "updated_at", "participants"}),
    "chat_messages": frozenset({"id", "session_id", "sender_id", "message_type", "content", "file_url", "file_name",
                                "file_size", "duration_seconds", "is_edited", "is_deleted", "edited_at", "read_at",
                                "metadata", "created_at", "updated_at"}),
    "chat_notifications": frozenset({"id", "booking_id", "user_id", "type", "message_id", "data", "is_read",
                                     "created_at"}),
    "voice_note_approvals": frozenset({"id", "message_id", "reader_id", "booking_id", "status", "reviewed_by",
                                       "review_notes", "created_at", "updated_at"}),
    "voice_notes": frozenset({"id", "user_id", "file_url", "file_name", "file_size", "duration_seconds",
                              "transcription", "waveform_data", "is_processed", "context_type", "context_id",
                              "metadata", "created_at", "updated_at"}),
    "chat_audit_logs": frozenset({"id", "user_id", "action", "table_name", "record_id", "session_id", "old_values",
                                  "new_values", "ip_address", "user_agent", "timestamp", "metadata"}),
    "chat_monitoring": frozenset({"id", "user_id", "session_id", "event_type", "timestamp", "metadata", "ip_address",
                                  "user_agent", "created_at"}),
}
# the legacy tables each one needs (its foreign keys, or the script that created it): a database may
# lack a whole generation (its scripts never ran: read as empty), never a table another one needs
REQUIRES: dict[str, frozenset[str]] = {
    "messages": frozenset(), "chat_sessions": frozenset({"messages"}), "chat_notifications": frozenset({"messages"}),
    "voice_note_approvals": frozenset({"messages"}), "chat_messages": frozenset({"chat_sessions"}),
    "voice_notes": frozenset(), "chat_audit_logs": frozenset(), "chat_monitoring": frozenset({"chat_sessions"}),
}
# a column only the unified shape has, per clashing name
UNIFIED_MARKERS = {"chat_sessions": "created_by", "chat_messages": "file_path", "chat_audit_logs": "table_schema",
                   "chat_monitoring": None}
GENERATION = {"messages": "booking era (+ session-era columns)", "chat_sessions": "session era",
              "chat_messages": "session era", "chat_notifications": "session era",
              "voice_note_approvals": "session era",
              "voice_notes": "session era", "chat_audit_logs": "unified era", "chat_monitoring": "unified era"}
# legacy functions of schema public: chat ones, and the app's that API roles could execute
CHAT_FUNCTIONS = frozenset({"create_chat_session", "update_chat_limits", "send_chat_notification", "lock_chat_session",
                            "log_chat_audit"})
APP_FUNCTIONS = frozenset({"handle_new_user", "handle_updated_at", "update_updated_at_column", "get_file_url",
                           "cleanup_old_profile_pictures"})
UNIFIED_RPCS = frozenset({"create_chat_session(p_participants uuid[], p_title text, p_type text, p_booking_id uuid)",
                          "mark_session_read(p_session_id uuid)", "chat_unread_counts()", "my_chat_sessions()"})
LEGACY_BUCKETS = ("chat-attachments", "voice-notes")
LEFT_ALONE_BUCKETS = {"zodiac-audio": "never touched", "profile-pictures": "the app's avatars"}
WRITES_CHAT = re.compile(r"\b(" + "|".join(sorted(LEGACY_TABLES)) + r")\b")
# object layouts per bucket: (bucket, layout, regex)
LAYOUTS = (
    ("chat-attachments", "{booking_id}/{epoch_ms}.{ext}", r"^[0-9a-f-]{36}/[^/]+$"),
    ("chat-attachments", "{booking_id}/voice/{epoch_ms}.webm", r"^[0-9a-f-]{36}/voice/[^/]+$"),
    ("chat-files", "voice_notes/{session_id}/{user_id}_{epoch_ms}.webm", r"^voice_notes/[0-9a-f-]{36}/[^/]+$"),
    ("chat-files", "{session_id}/{user_id}/{filename} (the target layout)", r"^[0-9a-f-]{36}/[0-9a-f-]{36}/[^/]+$"),
    ("voice-notes", "{user_id}/{epoch_ms}.webm", r"^[0-9a-f-]{36}/[^/]+$"),
)
