"""Local HTTP servers that behave like Google, Microsoft Graph and Zoom, traps included.

They exist so that Convener's real provider clients can be exercised over real HTTP on
127.0.0.1, in tests, benchmarks and by hand (`make fakeproviders`). They are development
tooling, run from a checkout: the product's wheel does not contain them and nothing in
`convener` imports them.

    zoom = fakeproviders.start("zoom")
    env = fakeproviders.settings_for(zoom)  # {"CONVENER_ZOOM_API_URL": "http://127.0.0.1:…", …}
    ...
    zoom.stop()
"""

from __future__ import annotations

from importlib import import_module

from fakeproviders.harness import FakeProvider, FakeServer

FAKES: dict[str, str] = {
    "google": "fakeproviders.google:FakeGoogle",
    "microsoft": "fakeproviders.microsoft:FakeMicrosoft",
    "zoom": "fakeproviders.zoom:FakeZoom",
}


def start(name: str, port: int = 0) -> FakeServer:
    """Serve the fake `name` (a key of FAKES), with its defaults, on 127.0.0.1:`port`
    (0: a free one), already started; the caller stops it."""
    module_name, _, class_name = FAKES[name].partition(":")
    fake: FakeProvider = getattr(import_module(module_name), class_name)()
    return FakeServer(fake, port=port).start()


def settings_for(*servers: FakeServer) -> dict[str, str]:
    """The CONVENER_* variables that point Convener at these running fakes.

    The one place that says how: as the environment of a Convener process (`convener
    serve`, a worker, a benchmark's installation), or, in a process whose Django is
    already set up, as its settings: each variable's setting is its name without the
    CONVENER_ prefix, as in `convener/settings.py`.
    """
    variables: dict[str, str] = {}
    for server in servers:
        variables.update(server.app.convener_settings())
    return variables
