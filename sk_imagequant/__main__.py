"""``python -m sk_imagequant demo``: see ``python -m sk_imagequant demo --help``."""

import os
import sys

from ._demo import main

if __name__ == "__main__":
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the output went to a pipe that closed, as `| head` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    sys.exit(status)
