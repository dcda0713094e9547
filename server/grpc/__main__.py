"""``python -m server.grpc``: run the gRPC server (see ``server.grpc.main``)."""

import sys

from server.grpc.main import main

sys.exit(main())
