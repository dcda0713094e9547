"""``python -m server``: run the gRPC server (the same as ``python -m server.grpc``)."""

import sys

from server.grpc.main import main

sys.exit(main())
