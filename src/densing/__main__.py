"""``python -m densing`` runs the command line."""

import sys

from densing.cli import main

__all__: list[str] = []

sys.exit(main())
