"""The `convener` command.

`convener plan` runs without Django or a database; every other subcommand is a Django
management command (serve, worker, migrate, createadmin, createtoken, rotate-keys, genkey,
and Django's own).
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: convener <command> [options]

  serve          web server and worker together (the embedded default)
  worker         background workers only (scale-out)
  migrate        create or upgrade the database
  createadmin    create the first administrator
  createtoken    create an API token for a user
  rotate-keys    re-encrypt stored credentials with the first CONVENER_TOKEN_KEYS key
  genkey         print a new token encryption key
  plan SPEC      print the meeting plan for a planning SPEC (JSON), no database needed

`convener <command> --help` describes a command's options."""

ALIASES = {"rotate-keys": "rotate_keys"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if args[0] == "plan":
        from convener.timeplan.cli import command as plan_command

        plan_command(args[1:])  # exits the process with the command's status
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convener.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["convener", ALIASES.get(args[0], args[0]), *args[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
