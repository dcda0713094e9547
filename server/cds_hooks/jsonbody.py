"""Reading a request body as JSON, bounded: strict JSON only, finite numbers only, limited depth.

orjson parses (it refuses ``NaN``, ``Infinity``, numbers that overflow a double such as ``1e400``,
lone surrogates, and nesting deeper than 1024); the walk here then holds the document to the
service's own depth limit (``Limits.max_json_depth``). Every refusal is a ``BadRequestError``
whose message says what is wrong and where, never what the body held.
"""

from __future__ import annotations

from typing import cast

import orjson


class BadRequestError(ValueError):
    """The request does not follow CDS Hooks 2.0 for this service (an HTTP 400)."""


def parse_json(body: bytes, max_depth: int) -> object:
    """Return the JSON value of ``body``; raise ``BadRequestError`` naming the problem."""
    value = load_json(body)
    check_depth(value, max_depth)
    return value


def load_json(body: bytes) -> object:
    """Return the JSON value of ``body``, nested at most 1024 deep (orjson's own limit); callers
    that read parts of it before ``check_depth`` read them without recursion."""
    if not body.strip():
        message = "the request body is empty: a JSON object is required"
        raise BadRequestError(message)
    try:
        return cast("object", orjson.loads(body))
    except orjson.JSONDecodeError as error:
        message = f"the request body is not valid JSON (numbers must be finite): {error}"
        raise BadRequestError(message) from None


def check_depth(value: object, max_depth: int) -> None:
    """Refuse a JSON value nested deeper than ``max_depth``."""
    if json_depth(value, max_depth) > max_depth:
        message = f"the request body nests JSON deeper than {max_depth} levels"
        raise BadRequestError(message)


def json_depth(value: object, stop_above: int) -> int:
    """Return the nesting depth of a JSON value (a scalar is 0), or ``stop_above + 1`` as soon as
    the walk passes ``stop_above`` (level by level, without recursion)."""
    depth = 0
    level: list[object] = [value] if isinstance(value, dict | list) else []
    while level and depth <= stop_above:
        depth += 1
        below: list[object] = []
        for node in level:
            children = node.values() if isinstance(node, dict) else cast("list[object]", node)
            below.extend(child for child in children if isinstance(child, dict | list))
        level = below
    return depth
