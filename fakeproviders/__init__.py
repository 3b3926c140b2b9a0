"""Local HTTP servers that behave like Google, Microsoft Graph and Zoom, traps included.

They exist so that Convener's real provider clients can be exercised over real HTTP on
127.0.0.1, in tests, benchmarks and by hand (`convener fakeproviders`).
"""

FAKES: dict[str, str] = {
    "google": "fakeproviders.google:FakeGoogle",
    "microsoft": "fakeproviders.microsoft:FakeMicrosoft",
    "zoom": "fakeproviders.zoom:FakeZoom",
}
