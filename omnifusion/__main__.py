"""Entry point of ``python -m omnifusion``."""

from __future__ import annotations

import sys

from omnifusion.cli import main

sys.exit(main())
