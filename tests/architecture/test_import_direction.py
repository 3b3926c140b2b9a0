"""The packages of convener/ are layered, and imports point down the layers only.

Data flows one way: the surfaces (API, web pages, CLI) and the triggers call scheduling;
scheduling writes the rows and nudges dispatch; dispatch calls the providers and sends the
invitations; the providers know nothing of Django models. Lowest first:

0. foundation: timeplan, providers, plaintext, timezones, environment, datadir, db,
   accesslog, settings and the `convener` package itself; pure, no Django models
1. records: team.models, crm, connections (the tables the rows point at)
2. rows: meetings (MeetingAction, Meeting and the rules read off them)
3. people: the rest of team (access, grants, members, middleware, admin, commands)
4. invitations
5. dispatch
6. scheduling
7. surfaces: api, web, urls, wsgi, cli, __main__, and the trigger packages to come

A module may import its own package, its layer's other packages and the layers below, never
a layer above; no set of packages imports each other in a circle, within a layer or across.
Every import counts: at module level, inside a function, under `if TYPE_CHECKING:`. A new
package fails `test_every_module_has_a_layer` until it is placed in LAYERS, on purpose.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import convener

ROOT = Path(convener.__file__).parent

# Each layer's packages (or single modules), lowest layer first; a module belongs to the
# longest entry that is its name or a package above it. "convener" is the package itself
# (convener/__init__.py) only, never a catch-all for what is missing here.
LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": (
        "convener",
        "convener.timeplan",
        "convener.providers",
        "convener.plaintext",
        "convener.csvstream",
        "convener.timezones",
        "convener.environment",
        "convener.datadir",
        "convener.db",
        "convener.accesslog",
        "convener.settings",
    ),
    "records": ("convener.team.models", "convener.crm", "convener.connections"),
    "rows": ("convener.meetings",),
    "people": ("convener.team",),
    "invitations": ("convener.invitations",),
    "dispatch": ("convener.dispatch",),
    "scheduling": ("convener.scheduling",),
    "surfaces": (
        "convener.api",
        "convener.web",
        "convener.urls",
        "convener.wsgi",
        "convener.cli",
        "convener.__main__",
        # Triggers: they call scheduling like any other surface.
        "convener.webforms",
        "convener.campaigns",
        "convener.workitems",
        "convener.calendar",
        "convener.booking",
        "convener.hooks",
        "convener.segments",
        "convener.imports",
        "convener.intake",
    ),
}

RANK: dict[str, int] = {layer: rank for rank, layer in enumerate(LAYERS)}
LAYER_OF_UNIT: dict[str, str] = {unit: layer for layer, units in LAYERS.items() for unit in units}


@dataclass(frozen=True)
class Import:
    """One imported module, where it is imported and by which module."""

    path: str  # relative to the checkout, e.g. convener/dispatch/sync.py
    line: int
    importer: str  # the importing module, e.g. convener.dispatch.sync
    target: str  # the imported module, submodules resolved, e.g. convener.scheduling.x
    name: str | None = None  # for `from a.b import c` of a non-convener module: c

    @property
    def site(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}"


def unit_of(module: str) -> str | None:
    """The LAYERS entry `module` belongs to: the longest that is it or a package above it."""
    matches = [
        unit
        for unit in LAYER_OF_UNIT
        if module == unit or (unit != "convener" and module.startswith(f"{unit}."))
    ]
    return max(matches, key=len, default=None)


def short(unit: str) -> str:
    return unit.removeprefix("convener.")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> list[Path]:
    return sorted(
        path for path in ROOT.rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts
    )


@cache
def known_modules() -> frozenset[str]:
    return frozenset(module_name(path) for path in ROOT.rglob("*.py"))


def imports_in(
    source: str, importer: str, path: str, is_package: bool, known: frozenset[str]
) -> Iterator[Import]:
    """Every import in `source`, wherever it stands in the file: `from a import b` names
    the module a.b when b is one of `known`, else the module a."""
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, importer, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = importer.split(".")
                if not is_package:
                    package.pop()
                base = ".".join(package[: len(package) - (node.level - 1)])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                if module == "convener" or module.startswith("convener."):
                    submodule = f"{module}.{alias.name}"
                    target = submodule if submodule in known else module
                    yield Import(path, node.lineno, importer, target)
                else:
                    yield Import(path, node.lineno, importer, module, alias.name)


@cache
def all_imports() -> tuple[Import, ...]:
    """Every import in convener/ outside the migrations, once per line and target."""
    found: dict[tuple[str, int, str, str | None], Import] = {}
    for file in source_files():
        path = file.relative_to(ROOT.parent).as_posix()
        for found_import in imports_in(
            file.read_text(encoding="utf-8"),
            module_name(file),
            path,
            file.name == "__init__.py",
            known_modules(),
        ):
            key = (path, found_import.line, found_import.target, found_import.name)
            found.setdefault(key, found_import)
    assert found, f"no imports found under {ROOT}"
    return tuple(found.values())


def convener_imports() -> list[tuple[Import, str, str]]:
    """Each import of a convener module with the importer's and the target's LAYERS entry;
    imports by or of a module in no layer are left to test_every_module_has_a_layer."""
    found = []
    for each in all_imports():
        if each.target != "convener" and not each.target.startswith("convener."):
            continue
        importer_unit, target_unit = unit_of(each.importer), unit_of(each.target)
        if importer_unit is not None and target_unit is not None:
            found.append((each, importer_unit, target_unit))
    return found


def unit_graph() -> dict[str, set[str]]:
    """LAYERS entry to the other entries it imports."""
    graph: dict[str, set[str]] = {unit: set() for unit in LAYER_OF_UNIT}
    for _, importer_unit, target_unit in convener_imports():
        if importer_unit != target_unit:
            graph[importer_unit].add(target_unit)
    return graph


def reachable(graph: Mapping[str, Iterable[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = list(graph[start])
    while stack:
        unit = stack.pop()
        if unit not in seen:
            seen.add(unit)
            stack.extend(graph[unit])
    return seen


def imports_in_cycles(graph: Mapping[str, Iterable[str]]) -> list[tuple[Import, str, str, str]]:
    """Every import that is one step of a cycle of `graph`: the import, the importer's and
    the target's LAYERS entries, and the entries of its cycle."""
    reach = {unit: reachable(graph, unit) for unit in graph}
    found = []
    for each, importer_unit, target_unit in convener_imports():
        if target_unit not in graph.get(importer_unit, ()):
            continue
        if importer_unit not in reach[target_unit]:
            continue
        circle = ", ".join(
            sorted(
                short(unit)
                for unit in graph
                if unit in reach[importer_unit] and importer_unit in reach[unit]
            )
        )
        found.append((each, importer_unit, target_unit, circle))
    return found


def test_every_module_has_a_layer() -> None:
    found = [
        f"{file.relative_to(ROOT.parent).as_posix()} ({module_name(file)}) is in no layer: "
        "add its package to LAYERS in tests/architecture/test_import_direction.py, in the "
        "lowest layer above everything it imports and below everything that imports it"
        for file in source_files()
        if unit_of(module_name(file)) is None
    ]
    assert found == [], "\n" + "\n".join(found)


def test_no_package_imports_a_layer_above_it() -> None:
    found = [
        f"{each.site} ({LAYER_OF_UNIT[importer_unit]} may not import "
        f"{LAYER_OF_UNIT[target_unit]}, a higher layer)"
        for each, importer_unit, target_unit in convener_imports()
        if RANK[LAYER_OF_UNIT[target_unit]] > RANK[LAYER_OF_UNIT[importer_unit]]
    ]
    assert found == [], "\n" + "\n".join(found)


def test_no_two_packages_of_one_layer_import_each_other() -> None:
    graph = unit_graph()
    found: list[str] = []
    for layer, units in LAYERS.items():
        within = {unit: graph[unit] & set(units) for unit in units}
        found.extend(
            f"{each.site} ({short(importer)} and {short(target)}, both {layer}, "
            f"import each other in a cycle: {circle})"
            for each, importer, target, circle in imports_in_cycles(within)
        )
    assert found == [], "\n" + "\n".join(found)


def test_the_pipeline_packages_form_no_cycle() -> None:
    graph = unit_graph()
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        # graphlib lists each unit before one that imports it; reversed, it reads "imports".
        cycle = " → ".join(short(unit) for unit in reversed(error.args[1]))
        found = "\n".join(
            f"{each.site} ({short(importer)} → {short(target)} is a step of the cycle {circle})"
            for each, importer, target, circle in imports_in_cycles(graph)
        )
        raise AssertionError(f"packages import each other in a cycle: {cycle}\n{found}") from None


def test_providers_and_timeplan_import_no_django_models() -> None:
    # tests/connections/test_provider_knowledge_stays_in_providers.py keeps all of Django out
    # of providers; this adds timeplan, and convener's own models for both.
    def imported(each: Import) -> str:
        return f"{each.target}.{each.name}" if each.name else each.target

    found = [
        f"{each.path}:{each.line} imports {imported(each)} ({short(unit)} must know nothing "
        "of Django models)"
        for each in all_imports()
        if (unit := unit_of(each.importer)) in ("convener.providers", "convener.timeplan")
        and "models" in imported(each).split(".")
        and imported(each).split(".")[0] in ("convener", "django")
    ]
    assert found == [], "\n" + "\n".join(found)


def test_the_scan_sees_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from django.db import models\n"
        "from convener.team import models as team_models\n"
        "from . import sync\n"
        "from .backoff import delay\n"
        "if TYPE_CHECKING:\n"
        "    from convener.crm.models import Contact\n"
        "def later() -> None:\n"
        "    import convener.scheduling.schedule\n"
    )
    found = {
        (each.line, each.target, each.name)
        for each in imports_in(
            source, "convener.dispatch.tasks", "tasks.py", False, known_modules()
        )
    }
    assert found == {
        (1, "typing", "TYPE_CHECKING"),
        (2, "django.db", "models"),
        (3, "convener.team.models", None),
        (4, "convener.dispatch.sync", None),
        (5, "convener.dispatch.backoff", None),
        (7, "convener.crm.models", None),
        (9, "convener.scheduling.schedule", None),
    }
