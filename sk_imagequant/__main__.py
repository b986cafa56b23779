"""``python -m sk_imagequant demo``: see ``python -m sk_imagequant demo --help``."""

import sys

from ._demo import main

if __name__ == "__main__":
    sys.exit(main())
