"""Sections that packages above web add to a contact's page (campaigns, ...), registered
from their AppConfig.ready: web cannot import them (see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

Section = Callable[[HttpRequest, Any], SafeString]

_sections: list[Section] = []


def register_section(section: Section) -> None:
    if section not in _sections:
        _sections.append(section)


def rendered(request: HttpRequest, contact: Any) -> list[SafeString]:
    return [section(request, contact) for section in _sections]
