"""Every public name of the library is exported and documented: a forgotten one fails here.

Two promises, for every module of ``flowdocs`` (found by walking the package, so a new
module is covered the day it is added):

- every public function and class defined in a module is in that module's ``__all__``,
  and every name in ``__all__`` exists;
- every name in any ``__all__`` has an entry on the API pages: it is an object in the
  built site's Sphinx inventory (``build/html/objects.inv``), under the module that
  defines it or under a package that re-exports it.

The second needs the site (``nox -s docs``) and fails, never skips, without it.
"""

import importlib
import inspect
import pkgutil
import re
import zlib
from pathlib import Path

import pytest

import flowdocs

INVENTORY = Path(__file__).resolve().parents[2] / "build" / "html" / "objects.inv"
MODULES = sorted(
    [flowdocs.__name__]
    + [info.name for info in pkgutil.walk_packages(flowdocs.__path__, prefix="flowdocs.")]
)


def defined_public_names(module):
    """Functions and classes defined in ``module`` itself whose names do not start with _."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    }


def documented_objects():
    """The Python objects of the built site's inventory (format: Sphinx objects.inv v2)."""
    if not INVENTORY.is_file():
        pytest.fail(f"No built site at {INVENTORY.parent}: run `nox -s docs` first.")
    raw = INVENTORY.read_bytes()
    header_end = 0
    for _ in range(4):  # four text lines, then zlib
        header_end = raw.index(b"\n", header_end) + 1
    lines = zlib.decompress(raw[header_end:]).decode("utf-8").splitlines()
    entry = re.compile(r"(?P<name>\S+)\s+py:(?P<role>\w+)\s")
    return {match["name"] for line in lines if (match := entry.match(line))}


def exporters(name, value):
    """The modules whose ``__all__`` exports this very ``value`` as ``name``: the module that
    defines it (data has no ``__module__`` to say which) and every package re-exporting it."""
    modules = [importlib.import_module(other) for other in MODULES]
    return {
        module.__name__
        for module in modules
        if name in getattr(module, "__all__", ()) and getattr(module, name, None) is value
    }


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_definition_is_in_the_module_all(module_name):
    module = importlib.import_module(module_name)
    exported = set(getattr(module, "__all__", ()))
    missing = defined_public_names(module) - exported
    assert not missing, f"{module_name} defines public names missing from __all__: {missing}"
    absent = {name for name in exported if not hasattr(module, name)}
    assert not absent, f"{module_name}.__all__ names what it does not have: {absent}"


@pytest.mark.parametrize("module_name", MODULES)
def test_every_exported_name_has_an_entry_on_the_api_pages(module_name):
    module = importlib.import_module(module_name)
    documented = documented_objects()
    undocumented = []
    for name in getattr(module, "__all__", ()):
        value = getattr(module, name)
        home = getattr(value, "__module__", module_name) if callable(value) else module_name
        candidates = {f"{module_name}.{name}", f"{home}.{name}", f"flowdocs.{name}"}
        candidates |= {f"{other}.{name}" for other in exporters(name, value)}
        if not candidates & documented:
            undocumented.append(name)
    assert not undocumented, (
        f"{module_name} exports names with no entry on the API pages (docs/api/): {undocumented}"
    )


def test_the_inventory_check_can_fail():
    """A name that is surely not documented is not found: the check above can fail."""
    assert "flowdocs.no_such_function" not in documented_objects()
    assert "flowdocs.five_stage_flow" in documented_objects()
