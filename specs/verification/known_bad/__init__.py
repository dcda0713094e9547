"""Known-bad kernels: for each invariant, a deliberately broken kernel the verification must catch.

``variants.py`` lists the bugs as textual patches to ``kernel/``; ``build.py`` applies one to a
temporary copy and strips every ``assert`` (exactly what ``python -O`` does in production), so a
bug is caught only by the independent verification (oracle, properties, enumeration), never by
the kernel's own contracts; ``probe.py`` runs that verification against the copy in a fresh
process; ``python -m specs.verification.known_bad`` runs every variant and requires each to be
caught.
"""
