"""`python -m hrnn`: see `hrnn.cli`."""

import sys

from hrnn.cli import main

sys.exit(main())
