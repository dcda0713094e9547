"""Print a digest of the kernel's outputs over the boundary corpus (``python -m``).

Run under two ``PYTHONHASHSEED`` values by the determinism property: string and enum hashes
change with the seed, so an output whose order comes from iterating a set or a dict keyed by
hash would change the digest (INV-DETERMINISTIC, P5).
"""

from __future__ import annotations

import hashlib

from kernel import assess_course, check_regimen, plan_regimen
from specs.verification.properties.examples import (
    check_examples,
    course_examples,
    invalid_check_examples,
    invalid_course_examples,
    invalid_plan_examples,
    labs_examples,
    plan_examples,
)


def corpus_digest() -> str:
    """Return the SHA-256 of the reprs of every corpus output, in corpus order."""
    digest = hashlib.sha256()
    for request in (*plan_examples(), *invalid_plan_examples()):
        digest.update(repr(plan_regimen(request)).encode())
    for check in (*check_examples(), *invalid_check_examples()):
        digest.update(repr(check_regimen(check)).encode())
    for course in (*course_examples(), *labs_examples(), *invalid_course_examples()):
        digest.update(repr(assess_course(course)).encode())
    return digest.hexdigest()


if __name__ == "__main__":
    print(corpus_digest())  # noqa: T201 - the command's output
