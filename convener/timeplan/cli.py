"""``convener plan SPEC.json``: print the plan for a SPEC as JSON, no database needed."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from .bulk import collector_paused
from .plan import plan
from .reading import read_spec
from .spec import SpecError
from .writing import write_plan

PRETTY_INDENT = 2


def _indent(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 16:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 16, not {value!r}")
    return number


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="convener plan",
        description="Print the meeting plan for a SPEC document as JSON: compact, on one "
        "line, unless --pretty or --indent asks for it indented.",
    )
    parser.add_argument("spec", metavar="SPEC.json", help="the SPEC file, or - for stdin")
    layout = parser.add_mutually_exclusive_group()
    layout.add_argument(
        "--pretty",
        action="store_const",
        const=PRETTY_INDENT,
        dest="indent",
        help=f"indent the plan by {PRETTY_INDENT} spaces, one key per line",
    )
    layout.add_argument(
        "--indent", type=_indent, metavar="N", help="indent the plan by N spaces (0 to 16)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (the arguments after ``plan``); return the exit status.

    0: the plan was printed. 2: the SPEC could not be read or is malformed; the reason is
    on stderr as ``error: <key>: <message>``. Nothing is printed on stdout then.
    """
    return _main(argv, kept=[])


def command(argv: list[str] | None = None) -> NoReturn:
    """``convener plan`` as a process: ``main``, then exit at once with its status.

    A plan of a million meetings is millions of objects; freeing them one by one as the
    interpreter shuts down takes a tenth of the run for nothing, so the process ends
    without it (its output is flushed first).
    """
    kept: list[object] = []
    status = _main(argv, kept=kept)
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _main(argv: list[str] | None, *, kept: list[object]) -> int:
    args = _arguments(argv)
    # Reading, planning and writing a large SPEC make millions of objects that form no
    # reference cycles; the collector would only walk them over and over (see bulk.py).
    with collector_paused():
        return _run(args, kept)


def _run(args: argparse.Namespace, kept: list[object]) -> int:
    source = "stdin" if args.spec == "-" else args.spec
    try:
        text = sys.stdin.read() if args.spec == "-" else Path(args.spec).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {source}: {error}")
    try:
        # A SPEC without "now" is planned from the current time.
        spec = read_spec(text, now=datetime.now(UTC))
        del text  # a SPEC's text can be tens of megabytes: not kept while planning
        result = plan(spec)
    except json.JSONDecodeError as error:
        return _fail(f"{source} is not valid JSON: {error}")
    except SpecError as error:
        return _fail(f"{error.key}: {error.message}" if error.key else error.message)
    del spec  # the plan holds what it needs of the recipients
    kept.append(result)  # freed by the caller, or never when the process ends (command)
    try:
        write_plan(result, sys.stdout, indent=args.indent)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`convener plan big.json | head`): not an error of ours.
        # Point stdout at nothing so that the interpreter's last flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return 2
