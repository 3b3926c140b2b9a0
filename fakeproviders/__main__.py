"""`python -m fakeproviders` (or `make fakeproviders`), from a checkout: the fake Google,
Microsoft and Zoom servers, for trying Convener's connections by hand without real accounts.

Prints the environment that points Convener at them and serves until Ctrl-C. In another
terminal, export those lines and start Convener (`make run`).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading

from fakeproviders import FAKES, settings_for, start
from fakeproviders.harness import FakeServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeproviders", description=__doc__)
    parser.add_argument(
        "--base-port",
        type=int,
        default=8101,
        help="google, microsoft, zoom on this and the next two (0: any free ports)",
    )
    parser.add_argument(
        "--only", choices=sorted(FAKES), help="serve this fake alone (on the base port)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line instead ({name: url, ..., settings: {...}}), for programs",
    )
    args = parser.parse_args(argv)
    names = [args.only] if args.only else list(FAKES)
    ports = [args.base_port + offset if args.base_port else 0 for offset in range(len(names))]
    servers = [start(name, port) for name, port in zip(names, ports, strict=True)]
    if args.json:
        urls: dict[str, object] = {name: s.url for name, s in zip(names, servers, strict=True)}
        print(json.dumps({**urls, "settings": settings_for(*servers)}), flush=True)
    else:
        _print_exports(names, servers)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()
    return 0


def _print_exports(names: list[str], servers: list[FakeServer]) -> None:
    for name, server in zip(names, servers, strict=True):
        print(f"fake {name:<9} {server.url}   (inspect: {server.url}/_fake/state)")
    print("\nPoint Convener at them with:\n")
    for key, value in settings_for(*servers).items():
        print(f"export {key}={value}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
