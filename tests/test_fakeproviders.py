"""The fake providers are development tooling: outside the product's wheel, never imported
by the product, started from a checkout with `python -m fakeproviders`, and pointed at by
one function, `fakeproviders.settings_for`."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from setuptools import find_namespace_packages

import fakeproviders
from fakeproviders.harness import FakeServer
from tests.conftest import point_settings_at

REPO = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_the_product_and_not_the_fakes() -> None:
    # What setuptools packs, from the same configuration it reads (namespace packages on,
    # as `[tool.setuptools.packages.find]` in pyproject.toml has them by default).
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    found = config["tool"]["setuptools"]["packages"]["find"]
    packages = find_namespace_packages(
        where=str(REPO), include=found.get("include", ["*"]), exclude=found.get("exclude", ())
    )
    assert "convener" in packages
    assert {name.split(".")[0] for name in packages} == {"convener"}


def test_nothing_in_the_product_imports_the_fakes() -> None:
    for path in sorted((REPO / "convener").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names = [node.value]  # import_module("fakeproviders…") and the like
            else:
                continue
            for name in names:
                assert not name.startswith("fakeproviders"), (str(path.relative_to(REPO)), name)


@pytest.fixture
def all_fakes() -> Iterator[list[FakeServer]]:
    servers = [fakeproviders.start(name) for name in fakeproviders.FAKES]
    yield servers
    for server in servers:
        server.stop()


def test_every_fake_says_how_convener_reaches_it(all_fakes: list[FakeServer]) -> None:
    variables = fakeproviders.settings_for(*all_fakes)
    for server in all_fakes:
        own = server.app.convener_settings()
        assert own and all(name.startswith("CONVENER_") for name in own)
        assert server.url in own.values()
    assert len(variables) == sum(len(s.app.convener_settings()) for s in all_fakes)


def test_the_variables_reach_a_convener_process_and_this_one_alike(
    all_fakes: list[FakeServer], settings: Any, tmp_path: Path
) -> None:
    variables = fakeproviders.settings_for(*all_fakes)
    names = [name.removeprefix("CONVENER_") for name in variables]
    read = (
        "import json, sys, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({n: getattr(settings, n) for n in sys.argv[1:]}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVENER_")}
    env.update(
        variables, DJANGO_SETTINGS_MODULE="convener.settings", CONVENER_DATA_DIR=str(tmp_path)
    )
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", read, *names],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    in_a_process = json.loads(result.stdout)

    point_settings_at(settings, *all_fakes)
    in_this_one = {name: getattr(settings, name) for name in names}

    expected = {name.removeprefix("CONVENER_"): value for name, value in variables.items()}
    assert in_a_process == expected
    assert in_this_one == expected


def test_python_m_fakeproviders_from_a_checkout_serves_them_and_prints_the_exports() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeproviders", "--base-port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        exports: dict[str, str] = {}
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                exports[name] = value
            if "CONVENER_ZOOM_CLIENT_SECRET" in exports:
                break
        apis = ["CONVENER_GOOGLE_API_URL", "CONVENER_MICROSOFT_GRAPH_URL", "CONVENER_ZOOM_API_URL"]
        assert exports.keys() >= set(apis), process.stderr.read() if process.stderr else ""
        for name in apis:
            assert httpx2.get(f"{exports[name]}/_fake/state", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_one_fake_alone_prints_its_address_and_settings_as_json() -> None:
    """What a benchmark uses to run a fake in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeproviders", "--only", "zoom", "--base-port", "0", "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        served = json.loads(process.stdout.readline())
        assert set(served) == {"zoom", "settings"}  # the others are not started
        assert served["settings"]["CONVENER_ZOOM_API_URL"].startswith(served["zoom"])
        assert "CONVENER_GOOGLE_API_URL" not in served["settings"]
        assert httpx2.get(f"{served['zoom']}/_fake/state", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
