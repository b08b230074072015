"""MetaSift desktop app: ``python main.py --demo`` or ``python main.py REVIEW``."""

import sys

if __name__ == "__main__":
    # imported here, not at module level: import worker processes re-import this file and need no GUI
    from gui.app import main

    sys.exit(main())
