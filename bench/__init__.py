"""Benchmarks: the kernel in-process, and the gRPC service against an echo baseline."""
