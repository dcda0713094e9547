"""Build a known-bad kernel: copy ``kernel/``, apply a variant's patches, strip the contracts."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from specs.verification.known_bad.variants import Variant

ROOT = Path(__file__).resolve().parents[3]
KERNEL = ROOT / "kernel"


class PatchError(Exception):
    """A patch's old text no longer occurs exactly once: the variant must be rewritten."""


class _StripAsserts(ast.NodeTransformer):
    """Replace every ``assert`` with ``pass``: what ``python -O`` does to the contracts."""

    def visit_Assert(self, node: ast.Assert) -> ast.Pass:
        return ast.copy_location(ast.Pass(), node)


def strip_asserts(source: str) -> str:
    """Return ``source`` with every assert statement replaced by ``pass``."""
    tree = _StripAsserts().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def apply_patches(kernel: Path, variant: Variant) -> None:
    """Apply ``variant``'s patches to the kernel copy at ``kernel``; raise ``PatchError`` when an
    old text does not occur exactly once."""
    for patch in variant.patches:
        path = kernel / patch.file
        text = path.read_text(encoding="utf-8")
        count = text.count(patch.old)
        if count != 1:
            message = (
                f"{variant.name}: the text to replace occurs {count} times in kernel/{patch.file}"
                f" (expected once); rewrite the patch for the current kernel:\n{patch.old}"
            )
            raise PatchError(message)
        path.write_text(text.replace(patch.old, patch.new), encoding="utf-8")


def build(destination: Path, variant: Variant | None, *, contracts: bool = False) -> Path:
    """Copy the kernel into ``destination/kernel``, apply ``variant`` (none: the clean kernel)
    and, unless ``contracts``, strip every assert. Return the directory to put on the path."""
    kernel = destination / "kernel"
    shutil.copytree(KERNEL, kernel, ignore=shutil.ignore_patterns("__pycache__"))
    if variant is not None:
        apply_patches(kernel, variant)
    if not contracts:
        for path in kernel.rglob("*.py"):
            path.write_text(strip_asserts(path.read_text(encoding="utf-8")), encoding="utf-8")
    return destination
