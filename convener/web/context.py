"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from convener import __version__


def product(request: HttpRequest) -> dict[str, Any]:
    return {
        "product_version": __version__,
        "smtp_configured": bool(settings.SMTP_HOST),
    }
