"""``python -m vision.models fetch|list``: see vision/models/store.py."""

import sys

from vision.models.store import main

sys.exit(main())
