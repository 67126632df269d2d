"""The application log: what went wrong, for whoever maintains the office's server.

Written to ``baktui.log`` in the platform log folder (``~/.local/state/baktui/log/`` on Linux),
rotated at 1 MB (5 files kept), private to the account (it may name candidates). The user never
sees a traceback; the log keeps it. Set up once by the CLI and the app, never at import time.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOGGER = "baktui"
LOG_FILE = "baktui.log"
_FORMAT = "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s: %(message)s"


class _PrivateLog(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, the first one and each one started by a rotation, is
    created 0600 (the handler would otherwise follow the umask: 0644)."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # an older log file may have been looser
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def log_folder() -> Path:
    from platformdirs import user_log_path

    return user_log_path("baktui", appauthor=False)


def setup_logging(level: str = "INFO", folder: Path | None = None) -> Path | None:
    """Send baktui's log records to the rotating log file; returns its path (None if the folder
    cannot be written: the app works without a log rather than not at all)."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "baktui", False):
            logger.removeHandler(handler)
            handler.close()
    path = (folder or log_folder()) / LOG_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = _PrivateLog(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return None
    handler.baktui = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.propagate = False
    return path


def get_logger(name: str) -> logging.Logger:
    """A logger under baktui's (``get_logger(__name__)``)."""
    return logging.getLogger(name if name.startswith(LOGGER) else f"{LOGGER}.{name}")
