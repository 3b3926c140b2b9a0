"""What a provider is and how it connects lives in its own package: the connections code
and the web templates drive every provider through its recipe and never name one, and
the providers' packages, recipes included, know nothing of Django."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import convener
from convener.providers.registry import PROVIDERS, recipes

ROOT = Path(convener.__file__).parent


def provider_words() -> set[str]:
    """Every registered provider's slug and display name."""
    return {word for recipe in recipes() for word in (recipe.slug, recipe.name)}


def connections_code() -> list[Path]:
    return [
        path
        for path in (ROOT / "connections").rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def templates() -> list[Path]:
    return [
        *(ROOT / "connections" / "templates").rglob("*.html"),
        *(ROOT / "web" / "templates").rglob("*.html"),
    ]


def test_the_registry_names_each_provider_by_its_own_slug() -> None:
    assert [recipe.slug for recipe in recipes()] == list(PROVIDERS)


def test_the_connections_code_neither_names_nor_imports_a_provider() -> None:
    words = provider_words()
    packages = tuple(f"convener.providers.{slug}" for slug in PROVIDERS)
    found = []
    for path in connections_code():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in words:
                found.append(f"{path.name}:{node.lineno} names {node.value!r}")
        for line, module in imported_modules(path):
            if module.startswith(packages):
                found.append(f"{path.name}:{line} imports {module}")
    assert found == []


def imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_the_providers_import_nothing_of_django() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in (ROOT / "providers").rglob("*.py")
        for line, module in imported_modules(path)
        if module == "django" or module.startswith("django.")
    ]
    assert found == []


def test_no_template_names_a_provider() -> None:
    pattern = re.compile(
        "|".join(rf"\b{re.escape(word)}\b" for word in sorted(provider_words())), re.IGNORECASE
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates()
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
