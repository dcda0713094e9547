"""The gRPC service: a composition root (``server.app``), thin servicers (``server.service``)
that only translate between the wire and the kernel (``server.translate``), and the process
entry point (``server.main``)."""
