"""``python -m densing`` runs the command line."""

import sys

from densing.cli import main

sys.exit(main())
