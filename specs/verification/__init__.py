"""How the kernel is checked: the independent oracle, the decision-table loader, Hypothesis
strategies and properties, the exhaustive enumeration, known-bad kernels, and the CrossHair,
mutation and ``make verify`` gates (see specs/verification/README.md)."""
