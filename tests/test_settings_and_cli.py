"""Settings from the environment and the `convener` command, as run from a shell."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def convener(
    *args: str, env: dict[str, str], stdin: str | None = None, umask: int = -1
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONVENER_")}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    # A fresh install on its own data directory: never the database of the test run.
    full_env.pop("DATABASE_URL", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "convener", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        umask=umask,  # -1 keeps this process's umask
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_a_fresh_data_dir_gets_owner_only_secrets_kept_across_runs(data_dir: Path) -> None:
    env = {"CONVENER_DATA_DIR": str(data_dir)}
    assert convener("check", env=env).returncode == 0
    for name in ["secret_key", "token_keys"]:
        mode = stat.S_IMODE((data_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} is readable by others: {oct(mode)}"
    first = (data_dir / "secret_key").read_text()
    convener("check", env=env)
    assert (data_dir / "secret_key").read_text() == first


def test_secrets_can_come_from_files(data_dir: Path, tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("from-a-file-" + "x" * 40)
    env = {"CONVENER_DATA_DIR": str(data_dir), "CONVENER_SECRET_KEY_FILE": str(secret_file)}
    result = convener(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    assert result.stdout.strip().endswith("from-a-file-" + "x" * 40)
    assert not (data_dir / "secret_key").exists()


def test_a_wrong_default_zone_is_named_at_start(data_dir: Path) -> None:
    result = convener(
        "check",
        env={"CONVENER_DATA_DIR": str(data_dir), "CONVENER_DEFAULT_TIMEZONE": "Europe/Atlantis"},
    )
    assert result.returncode != 0
    assert "CONVENER_DEFAULT_TIMEZONE" in result.stderr and "Europe/Atlantis" in result.stderr


def test_createadmin_never_prints_the_password_and_createtoken_works(data_dir: Path) -> None:
    env = {"CONVENER_DATA_DIR": str(data_dir)}
    assert convener("migrate", "--verbosity", "0", env=env).returncode == 0
    created = convener("createadmin", "--if-none", env=env)
    assert created.returncode == 0, created.stderr
    password = (data_dir / "initial-admin-password").read_text().strip()
    assert password and password not in created.stdout + created.stderr
    assert stat.S_IMODE((data_dir / "initial-admin-password").stat().st_mode) == 0o600
    again = convener("createadmin", "--if-none", env=env)
    assert "exists already" in again.stdout
    token = convener("createtoken", "admin", env=env)
    assert token.returncode == 0 and token.stdout.strip().startswith("cnv_")
    missing = convener("createtoken", "nobody", env=env)
    assert missing.returncode != 0 and "nobody" in missing.stderr


def test_plan_needs_no_database(tmp_path: Path, data_dir: Path) -> None:
    spec: dict[str, Any] = {
        "now": "2026-11-21T09:00:00Z",
        "duration_minutes": 30,
        "timing": {"mode": "fixed", "at": "2026-12-01T10:00", "timezone": "Europe/Berlin"},
        "recipients": [{"id": "c1", "host": "u1"}],
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    result = convener("plan", str(path), env={"CONVENER_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["meetings"][0]["start"] == "2026-12-01T09:00:00Z"
    assert not data_dir.exists()


def test_the_command_lists_its_subcommands() -> None:
    result = convener("--help", env={})
    for name in ["serve", "worker", "migrate", "createadmin", "createtoken", "plan"]:
        assert name in result.stdout


def test_a_redis_url_that_is_not_one_is_named_without_echoing_it(data_dir: Path) -> None:
    result = convener(
        "check",
        env={
            "CONVENER_DATA_DIR": str(data_dir),
            "CONVENER_REDIS_URL": "http://:hunter2-secret@cache.internal:6379",
        },
    )
    assert result.returncode != 0
    assert "CONVENER_REDIS_URL" in result.stderr and "redis://" in result.stderr
    assert "hunter2-secret" not in result.stderr + result.stdout


def test_login_throttling_settings_that_would_switch_it_off_are_named(data_dir: Path) -> None:
    for name in ["CONVENER_LOGIN_FAILURE_LIMIT", "CONVENER_LOGIN_COOLOFF_MINUTES"]:
        result = convener("check", env={"CONVENER_DATA_DIR": str(data_dir), name: "0"})
        assert result.returncode != 0
        assert name in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "CONVENER_SMTP_CONNECTIONS",
        "CONVENER_WORKER_POOL_SIZE",
        "CONVENER_WORKER_IN_FLIGHT",
        "CONVENER_LANE_CONCURRENCY",
    ],
)
def test_a_worker_setting_of_none_is_named_at_start(data_dir: Path, name: str) -> None:
    # Rather than a worker that starts and never sends, or a thread pool's own error.
    result = convener("check", env={"CONVENER_DATA_DIR": str(data_dir), name: "0"})
    assert result.returncode != 0
    assert f"{name}: must be 1 or more, got 0" in result.stderr
