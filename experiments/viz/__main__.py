"""``python -m experiments.viz``: the same as ``tiersim-viz``."""

import sys

from experiments.viz.server import main

sys.exit(main())
