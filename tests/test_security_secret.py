"""A public or short SECRET_KEY lets anyone forge sessions: the app refuses to start with one."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import config
from config import TestConfig
from fablab import create_app
from fablab.security.secret import InsecureSecretKey

ROOT = Path(__file__).resolve().parent.parent


def production_config(key: str, debug: bool = False):
    class Production(TestConfig):
        TESTING = False
        DEBUG = debug
        SECRET_KEY = key

    return Production


@pytest.mark.parametrize("key", ["dev-only-change-me", "", "short-but-not-default"])
def test_a_default_or_short_key_stops_the_app_outside_debug(key):
    with pytest.raises(InsecureSecretKey, match="SECRET_KEY"):
        create_app(production_config(key))


def test_a_long_random_key_starts_the_app():
    app = create_app(production_config("k" * 20 + os.urandom(16).hex()))
    assert app.config["SECRET_KEY"]


def test_debug_and_tests_still_run_with_the_development_key():
    assert create_app(production_config("dev-only-change-me", debug=True)).debug


def test_the_key_file_is_read_when_the_environment_has_none(tmp_path, monkeypatch):
    key_file = tmp_path / "secret_key"
    key_file.write_text("a-key-written-by-make-run-" + "x" * 30 + "\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(key_file))
    assert config._secret_key() == "a-key-written-by-make-run-" + "x" * 30
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert config._secret_key() == "from-the-environment"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_writes_a_private_random_key_once(tmp_path):
    def make_key() -> str:
        subprocess.run(
            ["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path)]
            + ["instance/secret_key"],
            check=True,
            capture_output=True,
        )
        return (tmp_path / "instance" / "secret_key").read_text().strip()

    first = make_key()
    assert len(first) >= 48
    assert make_key() == first  # kept across restarts
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_each_make_run_has_its_own_gunicorn_control_socket():
    def recipe(port: str) -> str:
        return subprocess.run(
            ["make", "-n", "-f", str(ROOT / "Makefile"), "-C", str(ROOT), "run", f"PORT={port}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    first, second = recipe("5001"), recipe("5002")
    assert f'--control-socket "{ROOT}/instance/gunicorn-5001.ctl"' in first
    assert "gunicorn-5002.ctl" in second
