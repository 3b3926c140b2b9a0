"""``convener plan SPEC.json`` (here ``python -m convener.timeplan``) and its exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convener.timeplan import main, plan_document

from .support import contacts, smart, spec

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "convener.timeplan", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_command_prints_the_plan_as_compact_json_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(smart(), contacts(2))), "utf-8")

    finished = run(str(path))

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith('{"meetings":[{"id":"c1","host":"u1","start":')
    assert finished.stdout.count("\n") == 1 and finished.stdout.endswith("}\n")
    plan = json.loads(finished.stdout)
    assert [m["local_start"] for m in plan["meetings"]] == [
        "2026-12-01T10:00:00+01:00",
        "2026-12-01T10:40:00+01:00",
    ]
    assert plan["skipped"] == []


@pytest.mark.parametrize(("option", "indent"), [(["--pretty"], 2), (["--indent", "4"], 4)])
def test_pretty_or_indent_prints_the_plan_indented_as_before(
    tmp_path: Path, option: list[str], indent: int
) -> None:
    doc = spec(smart(), contacts(2))
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(doc), "utf-8")

    finished = run(*option, str(path))

    assert finished.returncode == 0, finished.stderr
    expected = json.dumps(plan_document(doc), indent=indent, ensure_ascii=False) + "\n"
    assert finished.stdout == expected
    assert finished.stdout.startswith("{\n" + " " * indent + '"meetings": [\n')


def test_an_indent_that_is_not_a_small_number_is_refused(tmp_path: Path) -> None:
    finished = run("--indent", "two", str(tmp_path / "spec.json"))

    assert finished.returncode == 2
    assert "--indent: expected a whole number from 0 to 16, not 'two'" in finished.stderr


def test_the_command_reads_the_spec_from_stdin_given_a_dash() -> None:
    finished = run("-", stdin=json.dumps(spec({"mode": "immediate"})))

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["meetings"][0]["start"] == "2026-11-21T09:00:00Z"


def test_a_malformed_spec_exits_2_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(smart(window={"from": "ten", "to": "18:00"}))), "utf-8")

    finished = run(str(path))

    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr == "error: timing.window.from: expected HH:MM\n"


def test_invalid_json_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text('{"now": ', "utf-8")

    finished = run(str(path))

    assert finished.returncode == 2
    assert finished.stderr.startswith(f"error: {path} is not valid JSON: ")


def test_a_missing_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    finished = run(str(tmp_path / "nope.json"))

    assert finished.returncode == 2
    assert finished.stderr.startswith(f"error: cannot read {tmp_path / 'nope.json'}: ")


def test_main_returns_the_exit_status_instead_of_exiting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "spec.json"
    path.write_text("[]", "utf-8")

    assert main([str(path)]) == 2
    assert capsys.readouterr().err == "error: expected a JSON object\n"


def test_a_spec_without_now_is_planned_from_the_current_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = spec({"mode": "delay", "delay": {"amount": 1, "unit": "hours"}})
    del doc["now"]
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(doc), "utf-8")

    assert main([str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)["meetings"]) == 1


def test_a_reader_that_stops_early_is_no_error(tmp_path: Path) -> None:
    # `convener plan big.json | head -c 100`: the pipe closes long before the plan ends.
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec({"mode": "immediate"}, contacts(3000))), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "convener.timeplan", str(path)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        assert child.stdout.read(13) == b'{"meetings":['
        child.stdout.close()
        assert child.wait(timeout=60) == 0
        assert child.stderr.read() == b""
