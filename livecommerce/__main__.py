"""``python -m livecommerce``: the same as the ``livecommerce`` command."""

import sys

from livecommerce.cli import main

sys.exit(main())
