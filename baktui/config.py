"""The office's configuration: one TOML file, read once at start, checked strictly.

Where it is read from, later files overriding earlier ones:

1. ``/etc/xdg/baktui/config.toml`` (the shared server's settings, written by its administrator);
2. ``~/.config/baktui/config.toml`` (the user's own; ``$XDG_CONFIG_HOME`` if set);
3. or only the file named by ``$BAKTUI_CONFIG``.

What the command line says wins over the environment (``BAKTUI_DB``, ``BAKTUI_OUT``), which wins
over the files, which win over the defaults. A misspelt section or key, or a value of the wrong
type, is refused with a French message naming the file and the key: a setting silently ignored
would be worse than a refusal. The keys are French (the office writes the file); see the README.

```toml
[base]
chemin = "/srv/dec/bac2026.sqlite"      # or "postgresql://dec@serveur/bac2026"

[documents]
dossier = "/srv/dec/documents"

[academie]
nom = "Académie de Lyon"                 # until the base has its own

[affichage]
theme = "textual-light"

[journal]
niveau = "INFO"                          # DEBUG, INFO, WARNING, ERROR

[fichiers]                               # rights of the base, its backups and documents
mode = "groupe"                          # files 0640, folders 0750; "prive": 0600 / 0700
groupe = "dec"                           # the office's group (chgrp), if named

[web]                                    # baktui serve
utilisateurs = "/srv/dec/utilisateurs"   # logins and password hashes (default: next to the config)

[touches]                                # binding id = keys, as F1 lists them
"grades.close_slip" = "ctrl+s,f9"
```
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from baktui.errors import ConfigError

APP_NAME = "baktui"
CONFIG_ENV = "BAKTUI_CONFIG"
DB_ENV = "BAKTUI_DB"
OUT_ENV = "BAKTUI_OUT"
DEFAULT_ACADEMIE = "Académie de Lyon"
DEFAULT_DOCUMENTS_FOLDER = "baktui-documents"
USERS_FILE = "utilisateurs"  # the web access's logins, next to the configuration by default
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# [fichiers] mode -> (file mode, folder mode) of what baktui writes: the base and its -wal and
# -shm, backups, documents and their folder. They hold names, addresses, e-mails and phones:
# never readable by every account of the server.
FILE_MODES = {"groupe": (0o640, 0o750), "prive": (0o600, 0o700)}
DEFAULT_FILE_MODE = "groupe"


@dataclass(frozen=True)
class Config:
    """The settings in force (defaults, then the files, then the environment)."""

    database: str | None = None  # path or URL; None: the user data folder
    documents_dir: Path | None = None  # None: baktui-documents/ in the current folder
    academie: str = DEFAULT_ACADEMIE  # printed on documents until the base has its own name
    theme: str | None = None  # Textual theme; None: Textual's default (or $TEXTUAL_THEME)
    log_level: str = "INFO"
    files_mode: str = DEFAULT_FILE_MODE  # a key of FILE_MODES
    files_group: str | None = None  # the office's group given to files written (chgrp)
    users_file: Path | None = None  # [web] utilisateurs; None: next to the configuration
    keymap: Mapping[str, str] = field(default_factory=dict)  # binding id -> keys
    files: tuple[Path, ...] = ()  # the files read, in order

    def documents_folder(self) -> Path:
        """Where documents are written (not created here)."""
        return self.documents_dir or Path.cwd() / DEFAULT_DOCUMENTS_FOLDER

    def users_path(self) -> Path:
        """The users file of ``baktui serve``: ``[web] utilisateurs``, else ``utilisateurs``
        next to the file named by ``$BAKTUI_CONFIG``, else in the user's configuration folder
        (``~/.config/baktui/``)."""
        if self.users_file is not None:
            return self.users_file
        named = os.environ.get(CONFIG_ENV, "").strip()
        if named:
            return Path(named).expanduser().parent / USERS_FILE
        from platformdirs import user_config_path

        return user_config_path(APP_NAME, appauthor=False) / USERS_FILE

    @property
    def file_mode(self) -> int:
        """The mode of the files baktui writes (0640, or 0600 in "prive")."""
        return FILE_MODES[self.files_mode][0]

    @property
    def folder_mode(self) -> int:
        """The mode of the folders baktui creates (0750, or 0700 in "prive")."""
        return FILE_MODES[self.files_mode][1]


def _text(file: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{file} : « {key} » doit être un texte non vide (entre guillemets).")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ConfigError(f"{file} : « {key} » contient un caractère de contrôle.")
    return value.strip()


def _path(file: Path, key: str, value: Any) -> Path:
    return Path(_text(file, key, value)).expanduser()


def _level(file: Path, key: str, value: Any) -> str:
    level = _text(file, key, value).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"{file} : « {key} » vaut « {value} » ; possibles : {', '.join(LOG_LEVELS)}."
        )
    return level


def _files_mode(file: Path, key: str, value: Any) -> str:
    mode = _text(file, key, value).lower().replace("é", "e")
    if mode not in FILE_MODES:
        raise ConfigError(
            f"{file} : « {key} » vaut « {value} » ; possibles : groupe (fichiers 0640, "
            "dossiers 0750) ou prive (0600, 0700)."
        )
    return mode


def _group(file: Path, key: str, value: Any) -> str:
    name = _text(file, key, value)
    try:
        import grp
    except ImportError:  # not a Unix system: no groups to give
        return name
    try:
        grp.getgrnam(name)
    except KeyError:
        raise ConfigError(
            f"{file} : « {key} » : le groupe « {name} » n'existe pas sur ce serveur."
        ) from None
    return name


# section -> key -> (Config field, converter)
_SCHEMA: dict[str, dict[str, tuple[str, Callable[[Path, str, Any], Any]]]] = {
    "base": {"chemin": ("database", _text)},
    "documents": {"dossier": ("documents_dir", _path)},
    "academie": {"nom": ("academie", _text)},
    "affichage": {"theme": ("theme", _text)},
    "journal": {"niveau": ("log_level", _level)},
    "fichiers": {"mode": ("files_mode", _files_mode), "groupe": ("files_group", _group)},
    "web": {"utilisateurs": ("users_file", _path)},
}
KEYMAP_SECTION = "touches"


def config_files() -> list[Path]:
    """The configuration files to read, in order (those that do not exist are skipped)."""
    named = os.environ.get(CONFIG_ENV, "").strip()
    if named:
        return [Path(named).expanduser()]
    from platformdirs import site_config_path, user_config_path

    return [
        site_config_path(APP_NAME, appauthor=False) / "config.toml",
        user_config_path(APP_NAME, appauthor=False) / "config.toml",
    ]


def _read(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} : fichier de configuration illisible ({exc}).") from exc
    except OSError as exc:
        raise ConfigError(
            f"{file} : impossible de lire la configuration ({exc.strerror})."
        ) from exc


def _apply(config: Config, file: Path, data: Mapping[str, Any]) -> Config:
    changes: dict[str, Any] = {}
    keymap = dict(config.keymap)
    for section, content in data.items():
        known = sorted([*_SCHEMA, KEYMAP_SECTION])
        if section not in _SCHEMA and section != KEYMAP_SECTION:
            raise ConfigError(
                f"{file} : section [{section}] inconnue (sections possibles : {', '.join(known)})."
            )
        if not isinstance(content, dict):
            raise ConfigError(f"{file} : « {section} » doit être une section [{section}].")
        if section == KEYMAP_SECTION:
            for binding_id, keys in content.items():
                keymap[binding_id] = _text(file, f"{section}.{binding_id}", keys)
            continue
        for key, value in content.items():
            if key not in _SCHEMA[section]:
                possible = ", ".join(_SCHEMA[section])
                raise ConfigError(
                    f"{file} : clé « {key} » inconnue dans [{section}] (possibles : {possible})."
                )
            name, convert = _SCHEMA[section][key]
            changes[name] = convert(file, f"{section}.{key}", value)
    return replace(config, **changes, keymap=keymap, files=(*config.files, file))


def load_config(files: list[Path] | None = None) -> Config:
    """Read the configuration files, then the environment (ConfigError when a file is wrong)."""
    return _with_environment(_from_files(tuple(config_files() if files is None else files)))


@functools.lru_cache(maxsize=4)
def _from_files(files: tuple[Path, ...]) -> Config:
    config = Config()
    for file in files:
        if file.is_file():
            config = _apply(config, file, _read(file))
    return config


def _with_environment(config: Config) -> Config:
    env_db = os.environ.get(DB_ENV, "").strip()
    if env_db:
        config = replace(config, database=env_db)
    env_out = os.environ.get(OUT_ENV, "").strip()
    if env_out:
        config = replace(config, documents_dir=Path(env_out).expanduser())
    return config


def get_config() -> Config:
    """The configuration in force: the files are read once per process (never at import time),
    the environment at every call."""
    return load_config()


def reload_config() -> Config:
    """Read the files again (after the office edited them)."""
    _from_files.cache_clear()
    return get_config()


def known_keys() -> list[str]:
    """Every "section.key" the file may hold, for messages and the README."""
    return [f"{section}.{key}" for section, keys in _SCHEMA.items() for key in keys]
