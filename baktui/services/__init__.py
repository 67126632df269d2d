"""Services: the only code that reads and writes the database for the app and the CLI.

They receive and return plain values and dataclasses (never peewee rows to screens), and every
write goes through :mod:`baktui.data.audit`.
"""
