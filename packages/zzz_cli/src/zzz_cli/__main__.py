"""``python -m zzz_cli``: the same as the ``zzz`` command."""

import sys

from zzz_cli.main import main

sys.exit(main())
