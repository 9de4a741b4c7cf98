"""``python -m registry_core.cli``."""

import sys

from registry_core.cli import main

sys.exit(main())
