"""Every key binding of the application, by id: for the keymap of the configuration file.

A binding id is ``area.action`` (``grades.close_slip``): ``[touches]`` in the configuration maps
ids to keys (``App.set_keymap``). This module finds every binding by importing the screens and
widgets (only when asked: the app imports screens lazily), so that ``baktui config --touches``
can list them, the app can warn about an id that names nothing, and a test can check that ids are
well formed and unique.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from functools import cache

from textual.binding import Binding
from textual.dom import DOMNode

from baktui.screens.registry import app_bindings

ID_RE = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_PACKAGES = ("baktui.screens", "baktui.widgets")


@dataclass(frozen=True)
class KeyEntry:
    id: str
    keys: str
    description: str
    owner: str  # "module:Class" that declares it


def _modules() -> list[str]:
    names = []
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        names.extend(
            info.name for info in pkgutil.walk_packages(package.__path__, package_name + ".")
        )
    return names


@cache
def key_entries() -> tuple[KeyEntry, ...]:
    """Every binding declared by baktui's app, screens and widgets, in module order."""
    found: list[KeyEntry] = []
    seen: set[type] = set()

    def collect(owner: str, bindings: object) -> None:
        for item in bindings if isinstance(bindings, list | tuple) else ():
            if isinstance(item, Binding):
                found.append(KeyEntry(item.id or "", item.key, item.description, owner))

    collect("baktui.app:BaktuiApp", app_bindings())
    for name in _modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, DOMNode)
                and value.__module__ == name
                and value not in seen
            ):
                seen.add(value)
                collect(f"{name}:{value.__name__}", value.__dict__.get("BINDINGS", ()))
    return tuple(found)


def binding_ids() -> list[str]:
    """The ids a keymap may name."""
    return sorted({entry.id for entry in key_entries() if entry.id})
