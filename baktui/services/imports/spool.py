"""The accepted lines of a big import, kept on disk between the check and the write.

The check pass turns each line into a small tuple; a :class:`Spool` pickles them by batches to
an anonymous temporary file (removed on close, whatever happens), and the write pass reads them
back batch by batch: memory stays flat whatever the size of the file, and no line is parsed
twice.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import Any

from baktui.services.imports import progress


class Spool:
    def __init__(self, batch: int | None = None) -> None:
        self._file = tempfile.TemporaryFile()
        self._buffer: list[Any] = []
        self._batch = batch or progress.BATCH
        self.count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, item: Any) -> None:
        self._buffer.append(item)
        self.count += 1
        if len(self._buffer) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def batches(self) -> Iterator[list[Any]]:
        """Every item added, in order, by lists of at most ``batch`` (may be read again)."""
        self._flush()
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return

    def close(self) -> None:
        self._file.close()
