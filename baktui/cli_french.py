"""argparse in French: usage, help and errors of the ``baktui`` command.

argparse takes its words through ``gettext`` (``argparse._`` and ``argparse.ngettext``), with no
French catalogue shipped by Python; :class:`FrenchParser` puts ours in their place while it
formats or reports, so an office user never reads "usage:", "options:" or "invalid choice".
Every sub-command also accepts the global options after its name (``baktui demo --db x``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

WORDS = {
    "usage: ": "utilisation : ",
    "options": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "affiche cette aide et s’arrête",
    "show program's version number and exit": "affiche la version de baktui et s’arrête",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "à indiquer : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix « %(value)s » inconnu (au choix : %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur « %(value)s » invalide (%(type)s attendu)",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option %(option)s ambiguë : %(matches)s"
    ),
    "not allowed with argument %s": "impossible avec %s",
    "one of the arguments %s is required": "l’une de ces options est à indiquer : %s",
    "ignored explicit argument %r": "valeur %r ignorée",
    "can't open '%(filename)s': %(error)s": "impossible d’ouvrir « %(filename)s » : %(error)s",
}
TYPES = {"int": "nombre entier", "float": "nombre", "Path": "chemin"}


def french(text: str) -> str:
    return WORDS.get(text, text)


def french_plural(singular: str, plural: str, n: int) -> str:
    if singular == "expected %s argument":
        return "%s valeur attendue" if n == 1 else "%s valeurs attendues"
    return french(singular if n == 1 else plural)


@contextmanager
def _in_french() -> Iterator[None]:
    saved: tuple[Callable[..., str], Callable[..., str]] = (argparse._, argparse.ngettext)  # type: ignore[attr-defined]
    argparse._ = french  # type: ignore[attr-defined]
    argparse.ngettext = french_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class FrenchFormatter(argparse.HelpFormatter):
    """Headings as French sets them: « options : » (argparse glues the colon to the word)."""

    def start_section(self, heading: str | None) -> None:
        super().start_section(f"{heading}\N{NO-BREAK SPACE}" if heading else heading)


class FrenchParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks French (its sub-parsers too: they are of its class)."""

    # options of the main parser that a sub-command accepts after its name as well
    GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", FrenchFormatter)
        with _in_french():
            super().__init__(*args, **kwargs)
        for flags, options in type(self).GLOBAL_OPTIONS:
            if self.prog != "baktui":  # a sub-command: the global value unless given here
                self.add_argument(*flags, default=argparse.SUPPRESS, **options)

    def format_usage(self) -> str:
        with _in_french():
            return super().format_usage()

    def format_help(self) -> str:
        with _in_french():
            return super().format_help()

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        with _in_french():
            return super().parse_known_args(*args, **kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> Any:
        with _in_french():
            return super().parse_args(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        for english, word in TYPES.items():
            message = message.replace(f"({english} attendu)", f"({word} attendu)")
        if "(au choix : " in message:  # the choices as typed, without Python's quotes
            head, _, choices = message.partition("(au choix : ")
            message = head + "(au choix : " + choices.replace("'", "")
        with _in_french():
            super().error(message)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        with _in_french():
            return super()._get_value(action, arg_string)  # type: ignore[misc]
