"""``python -m server``: run the server (see ``server.main``)."""

import sys

from server.main import main

sys.exit(main())
