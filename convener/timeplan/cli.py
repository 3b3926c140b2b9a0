"""``convener plan SPEC.json``: print the plan for a SPEC as JSON, no database needed."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from .document import plan_document
from .spec import SpecError


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (the arguments after ``plan``); return the exit status.

    0: the plan was printed. 2: the SPEC could not be read or is malformed; the reason is
    on stderr as ``error: <key>: <message>``.
    """
    parser = argparse.ArgumentParser(
        prog="convener plan",
        description="Print the meeting plan for a SPEC document as JSON.",
    )
    parser.add_argument("spec", metavar="SPEC.json", help="the SPEC file, or - for stdin")
    args = parser.parse_args(argv)
    source = "stdin" if args.spec == "-" else args.spec
    try:
        text = sys.stdin.read() if args.spec == "-" else Path(args.spec).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {source}: {error}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        return _fail(f"{source} is not valid JSON: {error}")
    try:
        # A SPEC without "now" is planned from the current time.
        document = plan_document(doc, now=datetime.now(UTC))
    except SpecError as error:
        return _fail(f"{error.key}: {error.message}" if error.key else error.message)
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return 2
