"""``python -m handout``: the same as the ``handout`` command."""

import sys

from .cli import main

sys.exit(main())
