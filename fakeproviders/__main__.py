"""`convener fakeproviders`: the fake Google, Microsoft and Zoom servers, for trying
Convener's connections by hand without real accounts.

Prints the environment that points Convener at them and serves until Ctrl-C. In another
terminal, export those lines and start Convener (`make run`).
"""

from __future__ import annotations

import argparse
import signal
import threading
from importlib import import_module

from fakeproviders import FAKES
from fakeproviders.harness import FakeProvider, FakeServer


def convener_env(name: str, fake: FakeProvider, url: str) -> dict[str, str]:
    client_id = str(getattr(fake, "client_id", ""))
    client_secret = str(getattr(fake, "client_secret", ""))
    if name == "google":
        return {
            "CONVENER_GOOGLE_AUTH_URI": f"{url}/o/oauth2/v2/auth",
            "CONVENER_GOOGLE_TOKEN_URI": f"{url}/token",
            "CONVENER_GOOGLE_API_URL": url,
            "CONVENER_GOOGLE_CLIENT_ID": client_id,
            "CONVENER_GOOGLE_CLIENT_SECRET": client_secret,
        }
    if name == "microsoft":
        return {
            "CONVENER_MICROSOFT_LOGIN_URL": url,
            "CONVENER_MICROSOFT_GRAPH_URL": url,
            "CONVENER_MICROSOFT_CLIENT_ID": client_id,
            "CONVENER_MICROSOFT_CLIENT_SECRET": client_secret,
        }
    return {
        "CONVENER_ZOOM_OAUTH_URL": url,
        "CONVENER_ZOOM_API_URL": url,
        "CONVENER_ZOOM_CLIENT_ID": client_id,
        "CONVENER_ZOOM_CLIENT_SECRET": client_secret,
    }


def start(name: str, port: int) -> tuple[FakeServer, dict[str, str]]:
    module_name, _, class_name = FAKES[name].partition(":")
    fake: FakeProvider = getattr(import_module(module_name), class_name)()
    server = FakeServer(fake, port=port).start()
    return server, convener_env(name, fake, server.url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convener fakeproviders", description=__doc__)
    parser.add_argument(
        "--base-port",
        type=int,
        default=8101,
        help="google, microsoft, zoom on this and the next two",
    )
    args = parser.parse_args(argv)
    servers = []
    env: dict[str, str] = {}
    for offset, name in enumerate(["google", "microsoft", "zoom"]):
        server, variables = start(name, args.base_port + offset)
        servers.append(server)
        env.update(variables)
        print(f"fake {name:<9} {server.url}   (inspect: {server.url}/_fake/state)")
    print("\nPoint Convener at them with:\n")
    for key, value in env.items():
        print(f"export {key}={value}")
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    for server in servers:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
