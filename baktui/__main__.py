"""``python -m baktui``: the ``baktui`` command (how ``baktui serve`` starts each browser's app)."""

import sys

from baktui.cli import main

sys.exit(main())
