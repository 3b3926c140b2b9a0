"""Convener's settings as provider recipes read them (convener.providers.recipe's
ProviderSettings): the one place where the Django side hands configuration to them."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from convener.environment import env_secret


class ConvenerProviderSettings:
    """Reads Django's settings at each call, so a changed setting (a test's, or the
    environment's for a provider's own names) applies to the next call."""

    @property
    def timeout(self) -> float:
        return float(settings.PROVIDER_TIMEOUT_SECONDS)

    def value(self, name: str, default: str = "") -> str:
        if hasattr(settings, name):
            return str(getattr(settings, name))
        # A provider's own setting that convener/settings.py does not list: read it as
        # settings.py would, from CONVENER_<name> or the file CONVENER_<name>_FILE names.
        return env_secret(f"CONVENER_{name}", default)

    def installation_key(self, purpose: str) -> str:
        return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def provider_settings() -> ConvenerProviderSettings:
    return ConvenerProviderSettings()
