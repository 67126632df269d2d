"""``python -m baktui``: the ``baktui`` command (how ``baktui serve`` starts each browser's app)."""

import sys

from baktui.cli import main

if __name__ == "__main__":  # imported (a test imports every module): nothing runs
    sys.exit(main())
