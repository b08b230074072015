"""MetaSift desktop app: ``python main.py --demo`` or ``python main.py REVIEW``."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
