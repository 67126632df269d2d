"""The grade slip editor (F4): :mod:`.editor` (``open_slip``, ``SlipEditor``), :mod:`.rows` (what
it holds), :mod:`.writes` (the grade commit), :mod:`.passes` (blind double entry)."""
