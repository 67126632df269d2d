"""The app's top-level screens and their function keys.

Each entry is one mode of the app (an independent screen stack, so that F2 in the middle of a grade
slip and Escape back keeps the slip as it was). A key appears in the footer only once its screen
exists: add the entry in the same commit as the screen.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.binding import Binding
from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    mode: str  # mode name; its F-key binding id is "app.<mode>"
    key: str  # function key
    title: str  # footer label and command-palette title
    target: str  # "module:ClassName" of the Screen, built with no argument
    help: str  # one line for the command palette

    def load(self) -> type[Screen]:
        module_name, class_name = self.target.split(":")
        return getattr(importlib.import_module(module_name), class_name)


# One line per screen, kept as a table.
# fmt: off
SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("home", "f10", "Accueil", "baktui.screens.home:HomeScreen", "Tableau de bord de la session"),
    ScreenEntry("lookup", "f2", "Recherche", "baktui.screens.lookup:LookupScreen", "Trouver un candidat (nom, INE, numéros, jury, établissement, téléphone) et ouvrir sa fiche"),
    ScreenEntry("registrations", "f3", "Inscriptions", "baktui.screens.registrations:RegistrationsScreen", "Contrôler les inscriptions, saisir une inscription, confirmations des candidats individuels"),
    ScreenEntry("grades", "f4", "Notes", "baktui.screens.grade_entry:GradeEntryScreen", "Bordereaux de notation : saisie des lots, totaux de contrôle, notes manquantes"),
    ScreenEntry("juries", "f5", "Jurys", "baktui.screens.juries:JuriesScreen", "Jurys, examinateurs, convocations et remplacement des absents"),
    ScreenEntry("expenses", "f6", "Frais", "baktui.screens.expenses:ExpensesScreen", "États de frais des examinateurs : contrôle, validation, mise en paiement"),
    ScreenEntry("deliberation", "f7", "Délibération", "baktui.screens.deliberation:DeliberationScreen", "Préparation des jurys, délibération : points manquants, simulation, points de jury, second groupe, clôture"),
    ScreenEntry("documents", "f8", "Documents", "baktui.screens.documents:DocumentsScreen", "Relevés de notes, diplômes, attestations, certificats de fin d'études, listes d'envoi"),
    ScreenEntry("organisation", "f9", "Organisation", "baktui.screens.organisation:OrganisationScreen", "Établissements, centres et salles, examinateurs, jurys, calendrier, taux de frais, paramètres de l'académie"),
    ScreenEntry("logistics", "f11", "Logistique", "baktui.screens.logistics:LogisticsScreen", "Placement aux écrits, commissions et créneaux d'oral, contrôles avant impression, corrections à la main"),
)
# fmt: on


def entry(mode: str) -> ScreenEntry:
    for item in SCREENS:
        if item.mode == mode:
            return item
    raise KeyError(mode)


def app_bindings() -> list[Binding]:
    """The global keys: F1, one key per registered screen, the palette, quit.

    Built when the app is created (not at import) from the registry, so the footer shows only
    screens that exist, and tests can pin the registry.
    """
    modes = [
        Binding(
            item.key,
            f"goto('{item.mode}')",
            item.title,
            id=f"app.{item.mode}",
            priority=True,
            tooltip=item.help,
        )
        for item in SCREENS
    ]
    return [
        Binding("f1", "help", "Aide", id="app.help", priority=True),
        *modes,
        Binding("ctrl+p", "command_palette", "Commandes", id="app.command_palette", priority=True),
        Binding("ctrl+q", "quit", "Quitter", id="app.quit", priority=True),
        Binding("ctrl+c", "quit_hint", "Quitter ?", show=False, id="app.quit_hint"),
    ]
