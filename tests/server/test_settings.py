"""Settings come from the environment once; bad values stop the start with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import VARIABLES, Settings, SettingsError

SECRET = "s" * 40
PUBLIC = "https://diary.example.org"


def test_it_refuses_to_start_without_a_secret_outside_development():
    with pytest.raises(SettingsError, match="DIARY_SECRET_KEY"):
        Settings.from_env({})


def test_development_mode_runs_without_a_secret_and_without_secure_cookies():
    settings = Settings.from_env({"DIARY_DEV": "true"})
    assert settings.dev and not settings.secure_cookies and settings.cookie_prefix == ""


def test_production_defaults_to_secure_host_prefixed_cookies():
    settings = Settings.from_env({"DIARY_SECRET_KEY": SECRET, "DIARY_PUBLIC_URL": PUBLIC})
    assert settings.secure_cookies and settings.cookie_prefix == "__Host-"


def test_sqlite_lives_in_the_data_directory_by_default(tmp_path):
    settings = Settings.from_env({"DIARY_SECRET_KEY": SECRET, "DIARY_PUBLIC_URL": PUBLIC, "DIARY_DATA_DIR": str(tmp_path)})
    assert settings.db_url == f"sqlite+aiosqlite:///{tmp_path / 'diary.sqlite3'}"


def test_a_postgresql_url_gets_the_async_driver():
    settings = Settings.from_env({"DIARY_SECRET_KEY": SECRET, "DIARY_PUBLIC_URL": PUBLIC, "DIARY_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.db_url.startswith("postgresql+asyncpg://")


@pytest.mark.parametrize(("name", "value"), [
    ("DIARY_DEV", "maybe"), ("DIARY_SECURE_COOKIES", "yes please"), ("DIARY_ENROLMENT_CODE_DAYS", "0"),
    ("DIARY_MAX_BODY_BYTES", "lots"), ("DIARY_DATABASE_URL", "mysql://x/y"), ("DIARY_SECRET_KEY", "short"),
])
def test_a_bad_value_names_the_variable(name, value):
    env = {"DIARY_SECRET_KEY": SECRET, "DIARY_PUBLIC_URL": PUBLIC, name: value}
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_every_variable_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [name for name in VARIABLES if name not in readme]
    assert missing == []
