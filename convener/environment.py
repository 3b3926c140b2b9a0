"""Typed readers for settings that come from the environment.

Every setting of Convener is a `CONVENER_*` variable (plus `DATABASE_URL`). Secrets may
instead be given as a path in `NAME_FILE`, so that they can live in a mounted secret
rather than in the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path


class SettingError(ValueError):
    """A variable is set to something Convener cannot use; the message names it."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_secret(name: str, default: str = "") -> str:
    """Read `NAME`, or the contents of the file named by `NAME_FILE`."""
    file_name = os.environ.get(f"{name}_FILE", "").strip()
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingError(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from exc
    return env_str(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env_str(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}: expected true or false, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}: expected a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}: must be {minimum} or more, got {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = env_str(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingError(f"{name}: expected a number, got {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name)
    if not raw:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def persistent_secret(path: Path, make: str) -> str:
    """Return the secret kept in `path`, writing `make` there (owner-only) the first time.

    Used for the Django secret key and the token encryption key when none is configured,
    so that a single-machine install keeps its sessions and tokens across restarts.
    """
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (web or worker) wrote it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(make + "\n")
    return make
