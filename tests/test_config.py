"""Configuration: file formats, precedence, validation errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from samia_schema.config import load_settings
from samia_schema.errors import ConfigError
from samia_schema.packs.chat.settings import ChatSettings, mime_accepts, parse_size


def write(tmp_path: Path, text: str, name: str = "samia.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings == ChatSettings(source="defaults")
    assert settings.bucket == "chat-files" and settings.file_size_limit == 10 * 1024 * 1024


def test_bundled_samia_toml_is_valid() -> None:
    settings = load_settings(Path(__file__).parent.parent / "samia.toml", env={})
    assert settings.allowed_mime_types[0] == "audio/wav"
    assert settings.app_roles.super_admin == "super_admin"


def test_pyproject_tool_samia_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[project]\nname = "x"\n[tool.samia]\nbucket = "chat-media"\n', "pyproject.toml")
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).bucket == "chat-media"


def test_precedence_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    path = write(tmp_path, '[samia]\nbucket = "from-file"\nlock_timeout = "7s"\n')
    env = {"SAMIA_BUCKET": "from-env"}
    assert load_settings(path, env={}).bucket == "from-file"
    assert load_settings(path, env=env).bucket == "from-env"
    assert load_settings(path, overrides={"bucket": "from-flag"}, env=env).bucket == "from-flag"
    assert load_settings(path, env=env).lock_timeout == "7s"
    assert load_settings(path, env=env).statement_timeout == "60s"


def test_env_lists_and_booleans(tmp_path: Path) -> None:
    path = write(tmp_path, "[samia]\n")
    settings = load_settings(path, env={"SAMIA_ALLOWED_MIME_TYPES": "audio/*, image/png", "SAMIA_REALTIME": "false"})
    assert settings.allowed_mime_types == ("audio/*", "image/png")
    assert settings.realtime is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('bucket = "Chat Files"', "samia.bucket: 'Chat Files' is not a valid bucket id"),
        ('schema = "public; drop table x"', "samia.schema"),
        ('schema = "Public"', "samia.schema"),
        ('nonsense = 1', "unknown setting 'nonsense'"),
        ('allowed_mime_types = ["audio/webm\'; drop"]', "samia.allowed_mime_types"),
        ('allowed_mime_types = ["image/png"]', "would refuse a raw upload of 'audio/webm;codecs=opus'"),
        ('role_source = "jwt"', "samia.role_source: must be 'profiles' or 'claim'"),
        ('role_claim = "user_metadata.role"', "never authorise on user_metadata"),
        ('file_size_limit = "ten megabytes"', "samia.file_size_limit"),
        ('lock_timeout = "5 s; drop"', "samia.lock_timeout"),
        ('edit_window = "1 fortnight"', "samia.edit_window"),
        ('voice_max_seconds = -3', "samia.voice_max_seconds"),
        ('realtime = "maybe"', "samia.realtime"),
    ],
)
def test_invalid_values_name_key_and_file(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, f"[samia]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert str(path) in str(info.value) and message in str(info.value)
    assert "\n" not in str(info.value)


def test_app_roles_unknown_and_duplicate(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"samia.app_roles.boss: unknown app role"):
        load_settings(write(tmp_path, '[samia.app_roles]\nboss = "boss"\n'), env={})
    with pytest.raises(ConfigError, match="must be distinct"):
        load_settings(write(tmp_path, '[samia.app_roles]\nclient = "x"\nreader = "x"\n'), env={})


def test_malformed_toml_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[samia\nbucket = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, env={})


def test_env_errors_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="environment SAMIA_BUCKET"):
        load_settings(write(tmp_path, "[samia]\n"), env={"SAMIA_BUCKET": "no/slashes"})


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.toml", env={})


@pytest.mark.parametrize(
    ("allowed", "mime", "ok"),
    [
        (("audio/webm",), "audio/webm;codecs=opus", True),
        (("audio/webm",), "audio/webm; codecs=opus", True),
        (("audio/*",), "audio/ogg", True),
        (("image/png",), "image/jpeg", False),
        (("audio/webm",), "video/webm", False),
    ],
)
def test_mime_accepts(allowed: tuple[str, ...], mime: str, ok: bool) -> None:
    assert mime_accepts(allowed, mime) is ok


def test_sizes() -> None:
    assert parse_size("10MiB", "x") == 10 * 1024 * 1024
    assert parse_size("10MB", "x") == 10_000_000
    assert parse_size(512, "x") == 512
    with pytest.raises(ConfigError):
        parse_size(0, "x")
