"""The sample files shipped inside the package (``baktui exemples DOSSIER``): the lists of a small
fictitious académie, in the formats the imports read, so that an installed baktui (pipx, a wheel)
can be tried without a clone of the repository."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from baktui.data import files
from baktui.errors import ServiceError

SUFFIXES = (".csv", ".xlsx")


def sample_names() -> list[str]:
    """The sample files, by name (calendrier.csv, candidats.csv…)."""
    folder = resources.files("baktui") / "samples"
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(SUFFIXES))


def copy_samples(folder: str | Path) -> list[Path]:
    """Write every sample file into ``folder`` (created if missing; a file already there is never
    overwritten: ServiceError, nothing written). Rights of ``[fichiers]``, as every document."""
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise ServiceError(f"{target} n'est pas un dossier.")
    names = sample_names()
    there = [n for n in names if (target / n).exists()]
    if there:
        raise ServiceError(
            f"{target} contient déjà {', '.join(there)} : choisissez un dossier vide, rien n'a été "
            "écrit."
        )
    target.mkdir(parents=True, exist_ok=True)
    source = resources.files("baktui") / "samples"
    written = []
    for name in names:
        data = (source / name).read_bytes()
        files.write_file(target / name, lambda path, data=data: path.write_bytes(data),
                         replace=False)  # fmt: skip
        written.append(target / name)
    return written
