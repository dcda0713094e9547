"""The gRPC service: a composition root (``server.grpc.app``), the servicer
(``server.grpc.service``), which only decodes, asks the kernel and encodes, the translation
between the wire and the kernel's values (``server.grpc.translate``), and the process entry points
(``server.grpc.main``, ``server.grpc.workers``)."""
