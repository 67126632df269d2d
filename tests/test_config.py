"""The configuration file: strict reading, French refusals, and what overrides what."""

from __future__ import annotations

from pathlib import Path

import pytest

from baktui.config import Config, get_config, load_config, reload_config
from baktui.data import db as dbmod
from baktui.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config([tmp_path / "absent.toml"])
    assert config == Config()
    assert config.documents_folder() == Path.cwd() / "baktui-documents"


def test_every_section_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[base]
chemin = "/srv/dec/bac2026.sqlite"
[documents]
dossier = "~/documents-dec"
[academie]
nom = "Académie de Grenoble"
[affichage]
theme = "textual-light"
[journal]
niveau = "debug"
[touches]
"grades.close_slip" = "ctrl+s,f9"
""",
    )
    config = load_config([path])
    assert config.database == "/srv/dec/bac2026.sqlite"
    assert config.documents_dir == Path("~/documents-dec").expanduser()
    assert config.academie == "Académie de Grenoble"
    assert config.theme == "textual-light"
    assert config.log_level == "DEBUG"
    assert config.keymap == {"grades.close_slip": "ctrl+s,f9"}
    assert config.files == (path,)


def test_a_later_file_overrides_an_earlier_one(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[academie]\nnom = "Académie de Lyon"\n[affichage]\ntheme = "nord"\n')
    user = tmp_path / "user.toml"
    user.write_text('[affichage]\ntheme = "textual-light"\n')
    config = load_config([site, user])
    assert (config.academie, config.theme) == ("Académie de Lyon", "textual-light")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[bse]\nchemin = "x"\n', "section [bse] inconnue"),
        ('[base]\nfichier = "x"\n', "clé « fichier » inconnue dans [base] (possibles : chemin)"),
        ("[base]\nchemin = 12\n", "« base.chemin » doit être un texte"),
        ('[journal]\nniveau = "bavard"\n', "« journal.niveau » vaut « bavard »"),
        ('[academie]\nnom = "Lyon\\u001b[2J"\n', "caractère de contrôle"),
        ("[base\n", "fichier de configuration illisible"),
        ('base = "x"\n', "« base » doit être une section [base]"),
    ],
)
def test_refusals_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match="config.toml") as refused:
        load_config([path])
    assert message in str(refused.value)


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, '[base]\nchemin = "du-fichier.sqlite"\n[documents]\ndossier = "/a"\n')
    monkeypatch.setenv("BAKTUI_CONFIG", str(path))
    reload_config()
    assert get_config().database == "du-fichier.sqlite"
    assert dbmod.resolve_target(None) == "du-fichier.sqlite"
    monkeypatch.setenv("BAKTUI_DB", "de-l-environnement.sqlite")
    monkeypatch.setenv("BAKTUI_OUT", str(tmp_path / "out"))
    assert get_config().database == "de-l-environnement.sqlite"
    assert get_config().documents_folder() == tmp_path / "out"
    # and the command line over everything
    assert dbmod.resolve_target("--db.sqlite") == "--db.sqlite"
