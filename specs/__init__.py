"""The specification of the kernel: requirement catalogue, invariants, decision tables and the
verification tooling built on them (see specs/README.md)."""
