"""`python -m fakeproviders` (or `make fakeproviders`), from a checkout: the fake Google,
Microsoft and Zoom servers, for trying Convener's connections by hand without real accounts.

Prints the environment that points Convener at them and serves until Ctrl-C. In another
terminal, export those lines and start Convener (`make run`).
"""

from __future__ import annotations

import argparse
import signal
import threading

from fakeproviders import FAKES, settings_for, start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakeproviders", description=__doc__)
    parser.add_argument(
        "--base-port",
        type=int,
        default=8101,
        help="google, microsoft, zoom on this and the next two (0: any free ports)",
    )
    args = parser.parse_args(argv)
    ports = [args.base_port + offset if args.base_port else 0 for offset in range(len(FAKES))]
    servers = [start(name, port) for name, port in zip(FAKES, ports, strict=True)]
    for name, server in zip(FAKES, servers, strict=True):
        print(f"fake {name:<9} {server.url}   (inspect: {server.url}/_fake/state)")
    print("\nPoint Convener at them with:\n")
    for key, value in settings_for(*servers).items():
        print(f"export {key}={value}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
