"""``python -m engagement.cli``: the console script without its launcher."""

from __future__ import annotations

import sys

from engagement.cli import main

sys.exit(main())
