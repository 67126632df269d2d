"""An installed baktui (a wheel, ``pipx install .``) carries what a newcomer needs: the sample
files (``baktui exemples``), the fonts of the documents, the licence (issue 19)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from baktui import __version__
from baktui.cli import main
from baktui.services.samples import sample_names

ROOT = Path(__file__).resolve().parents[1]


def test_exemples_writes_the_samples_the_imports_read(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "exemples"
    assert main(["exemples", str(folder)]) == 0
    assert "12 fichiers écrits" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == sample_names()
    assert (folder / "candidats.csv").read_bytes() == (
        ROOT / "data/samples/candidats.csv"
    ).read_bytes()
    assert (folder / "notes.csv").stat().st_mode & 0o007 == 0  # fictitious, but personal-looking
    db = tmp_path / "bac.sqlite"
    assert main(["--db", str(db), "init"]) == 0
    for kind in ("etablissements", "candidats", "notes"):
        assert main(["--db", str(db), "import", kind, str(folder / f"{kind}.csv")]) == 0
    assert main(["exemples", str(folder)]) == 1  # never over files already there
    assert "rien n'a été écrit" in capsys.readouterr().err


def _build_wheel(out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"pas de wheel construite ici (réseau ?) : {done.stderr.strip()[-200:]}")
    return next(out.glob("baktui-*.whl"))


def test_the_wheel_holds_the_samples_the_fonts_and_the_licence(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"baktui/samples/{n}" for n in sample_names()} <= names
    assert any(n.startswith("baktui/") and n.endswith(".ttf") for n in names)
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


@pytest.mark.skipif(shutil.which("pipx") is None, reason="pipx absent (installé par .ci/run)")
def test_pipx_install_gives_a_working_baktui(tmp_path: Path) -> None:
    """``pipx install .`` as the README says, into a throw-away PIPX_HOME: the command runs, knows
    its version, writes the samples and builds a base from them."""
    env = dict(os.environ, PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"))
    env.pop("VIRTUAL_ENV", None)
    installed = subprocess.run(["pipx", "install", str(ROOT)], env=env, capture_output=True,
                               text=True, check=False)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-500:]
    baktui = tmp_path / "bin" / "baktui"

    def run(*args: str) -> str:
        done = subprocess.run([str(baktui), *args], env=env, capture_output=True, text=True,
                              cwd=tmp_path, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-500:]
        return done.stdout

    assert __version__ in run("--version")
    run("exemples", "exemples")
    run("--db", "bac.sqlite", "init")
    run("--db", "bac.sqlite", "import", "etablissements", "exemples/etablissements.csv")
    assert "12 créés" in run("--db", "bac.sqlite", "import", "candidats", "exemples/candidats.csv")
