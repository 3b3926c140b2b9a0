"""The explicit registry of providers: slug to provider class, imported lazily.

Adding a provider is one package under convener/providers/ and one line here
(see docs/adding-a-provider.md).
"""

from __future__ import annotations

from importlib import import_module

from convener.providers.base import Provider

PROVIDERS: dict[str, str] = {
    "jitsi": "convener.providers.jitsi.provider:JitsiProvider",
    "google_meet": "convener.providers.google_meet.provider:GoogleMeetProvider",
    "microsoft_teams": "convener.providers.microsoft_teams.provider:MicrosoftTeamsProvider",
    "zoom": "convener.providers.zoom.provider:ZoomProvider",
}


class UnknownProvider(KeyError):
    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug

    def __str__(self) -> str:
        return f"unknown provider {self.slug!r}; known: {', '.join(sorted(PROVIDERS))}"


def provider_class(slug: str) -> type[Provider]:
    try:
        target = PROVIDERS[slug]
    except KeyError:
        raise UnknownProvider(slug) from None
    module_name, _, class_name = target.partition(":")
    cls: type[Provider] = getattr(import_module(module_name), class_name)
    return cls
