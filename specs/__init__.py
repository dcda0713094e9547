"""The specification of the kernel: the clinical decisions, requirement catalogue, invariants,
decision tables and golden texts; ``specs.verification`` holds the tooling that checks the kernel
against them (see specs/README.md)."""
