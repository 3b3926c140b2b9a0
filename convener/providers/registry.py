"""The explicit registry of providers: slug to the provider's recipe, imported lazily.

Adding a provider is one package under convener/providers/ and one line here
(see docs/adding-a-provider.md). The order is the order people see them in.
"""

from __future__ import annotations

from importlib import import_module

from convener.providers.base import Provider
from convener.providers.recipe import ProviderRecipe

PROVIDERS: dict[str, str] = {
    "jitsi": "convener.providers.jitsi.recipe:JitsiRecipe",
    "google_meet": "convener.providers.google_meet.recipe:GoogleMeetRecipe",
    "microsoft_teams": "convener.providers.microsoft_teams.recipe:MicrosoftTeamsRecipe",
    "zoom": "convener.providers.zoom.recipe:ZoomRecipe",
}


class UnknownProvider(KeyError):
    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug

    def __str__(self) -> str:
        return f"unknown provider {self.slug!r}; known: {', '.join(sorted(PROVIDERS))}"


def recipe(slug: str) -> ProviderRecipe:
    """The recipe of the provider `slug`; UnknownProvider when none is registered."""
    try:
        target = PROVIDERS[slug]
    except KeyError:
        raise UnknownProvider(slug) from None
    module_name, _, class_name = target.partition(":")
    cls: type[ProviderRecipe] = getattr(import_module(module_name), class_name)
    return cls()


def recipes() -> list[ProviderRecipe]:
    """Every registered provider's recipe, in the registry's order."""
    return [recipe(slug) for slug in PROVIDERS]


def provider_class(slug: str) -> type[Provider]:
    return recipe(slug).provider
