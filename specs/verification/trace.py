"""Where every catalogue ID lives: read from the code's syntax tree, the tests and the tables.

For each R-, D- and INV- ID of ``kernel.rules.RULES`` this finds, without running anything:

- the code that implements it (``kernel/`` and ``server/``): each function whose body cites the
  ID in a string literal (``make_finding(Code.X, ("R-RENAL", "D-RENAL"))``), each module-level
  name whose value does, and each module-level name whose comment names it (``DOSE_MCG: Final =
  1000  # R-DOSE-1000``); besides, the docstrings and in-function comments that name it
  (mentions). String literals inside ``assert`` statements are contracts, not implementation;
- its contract asserts (``kernel/``): each ``assert`` whose message starts with the ID
  (``"INV-RENAL: ..."``), and each whose condition names it in a string literal;
- the tests that cover it: ``@pytest.mark.covers(...)`` on a function or class, a module's
  ``pytestmark``, or a module-level name bound to a ``covers`` marker and used as a decorator;
- the decision-table rows whose ``covers`` list names it, with the row's line in its table.

The catalogue itself (``kernel/rules.py``) is the entry every card starts from, not a citation.
Every location is a repository-relative path and a 1-based line.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TypeGuard, TypeVar

import yaml

from specs.verification.decision_tables import TABLES_DIR, all_rows

ROOT: Final = Path(__file__).resolve().parents[2]
CODE_DIRECTORIES: Final = ("kernel", "server")
CONTRACT_DIRECTORY: Final = "kernel"
CATALOGUE_FILE: Final = "kernel/rules.py"
#: Only contract asserts live here; its string literals are not implementation.
CONTRACTS_PACKAGE: Final = "kernel/contracts/"
TESTS_DIRECTORY: Final = "tests"

ID: Final = r"(?:R|D|INV)-[A-Z0-9]+(?:-[A-Z0-9]+)*"
EXACT_ID: Final = re.compile(rf"^{ID}$")
LEADING_ID: Final = re.compile(rf"^({ID}):")
NAMED_ID: Final = re.compile(rf"(?<![A-Za-z0-9-])({ID})(?![A-Za-z0-9-])")
SECTION_RULE: Final = re.compile(r"^#\s*-{3,}")

SiteKind = Literal["function", "data", "constant", "mention"]
MODULE: Final = "(module)"
TestKind = Literal["function", "class", "module"]


@dataclass(frozen=True, order=True)
class CodeSite:
    """A function, or a module-level name, that cites an ID: where it starts and where it cites."""

    path: str
    line: int
    name: str
    kind: SiteKind
    lines: tuple[int, ...]


@dataclass(frozen=True, order=True)
class ContractAssert:
    """An ``assert`` of the kernel that names an ID in its message or its condition."""

    path: str
    line: int
    function: str
    message: str
    leading_id: str | None
    condition_ids: tuple[str, ...]


@dataclass(frozen=True, order=True)
class TestSite:
    """A test function, class or module that carries a ``covers`` marker."""

    path: str
    line: int
    name: str
    kind: TestKind
    ids: tuple[str, ...]

    @property
    def node_id(self) -> str:
        """The pytest node ID of a function or class (``path::Class::test``); a module's path."""
        return self.path if self.kind == "module" else f"{self.path}::{self.name}"


@dataclass(frozen=True, order=True)
class RowSite:
    """A decision-table row and the IDs its ``covers`` list names."""

    path: str
    line: int
    table: str
    row_id: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Trace:
    """Everything found, per ID (IDs outside the catalogue included, so that they can be named)."""

    code: dict[str, tuple[CodeSite, ...]] = field(default_factory=dict)
    contracts: dict[str, tuple[ContractAssert, ...]] = field(default_factory=dict)
    tests: dict[str, tuple[TestSite, ...]] = field(default_factory=dict)
    rows: dict[str, tuple[RowSite, ...]] = field(default_factory=dict)
    catalogue_lines: dict[str, int] = field(default_factory=dict)
    test_functions: Mapping[str, int] = field(default_factory=dict)


# --- Reading one Python file ------------------------------------------------------------------


def relative(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` in POSIX form (as links and node IDs write it)."""
    return path.resolve().relative_to(root.resolve()).as_posix()


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def _string_ids(node: ast.AST, skip: set[int]) -> Iterator[tuple[str, int]]:
    """Yield (ID, line) for every string literal under ``node`` that is exactly an ID, leaving
    out docstrings (``skip``) and everything inside an ``assert``."""
    if isinstance(node, ast.Assert):
        return
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and EXACT_ID.match(node.value)
    ):
        yield node.value, node.lineno
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from _string_ids(child, skip)


def _comments(source: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(token.start[0], token.string) for token in tokens if token.type == tokenize.COMMENT]


def _assigned_name(statement: ast.stmt) -> str | None:
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    names = [target.id for target in targets if isinstance(target, ast.Name)]
    return names[0] if names else None


@dataclass
class _Scopes:
    """The function scopes of one module: qualified name, first and last line."""

    functions: list[tuple[str, int, int, ast.FunctionDef | ast.AsyncFunctionDef]]

    def innermost(self, line: int) -> tuple[str, int] | None:
        inside = [
            (name, start, end) for name, start, end, _ in self.functions if start <= line <= end
        ]
        if not inside:
            return None
        name, start, _ = max(inside, key=lambda scope: scope[1])
        return name, start


def _scopes(tree: ast.Module) -> _Scopes:
    functions: list[tuple[str, int, int, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                functions.append((name, child.lineno, child.end_lineno or child.lineno, child))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return _Scopes(functions)


def _docstring_mentions(tree: ast.Module, scopes: _Scopes) -> Iterator[tuple[str, str, int, int]]:
    """Yield (ID, scope name, scope line, line) for each ID a module, class or function
    docstring names."""
    qualified = {id(node): (name, start) for name, start, _, node in scopes.functions}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = node.body
        if not (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            continue
        text, first = body[0].value.value, body[0].value.lineno
        if isinstance(node, ast.Module):
            name, start = MODULE, 1
        elif isinstance(node, ast.ClassDef):
            name, start = node.name, node.lineno
        else:
            name, start = qualified.get(id(node), (node.name, node.lineno))
        for match in NAMED_ID.finditer(text):
            yield match.group(1), name, start, first + text.count("\n", 0, match.start())


_Citations = dict[tuple[str, str, SiteKind, int], set[int]]


def _cite(cited: _Citations, rule_id: str, where: tuple[str, SiteKind, int], line: int) -> None:
    name, kind, start = where
    cited.setdefault((rule_id, name, kind, start), set()).add(line)


def _literal_citations(tree: ast.Module, scopes: _Scopes, cited: _Citations) -> list[ast.stmt]:
    """Record the string-literal citations of functions and module-level values; return the
    module-level assignments."""
    skip = _docstring_nodes(tree)
    for name, start, _, function in scopes.functions:
        for statement in function.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue  # a nested definition is a scope of its own
            for rule_id, line in _string_ids(statement, skip):
                _cite(cited, rule_id, (name, "function", start), line)
    statements = [s for s in tree.body if _assigned_name(s) is not None]
    for statement in statements:
        name = str(_assigned_name(statement))
        for rule_id, line in _string_ids(statement, skip):
            _cite(cited, rule_id, (name, "data", statement.lineno), line)
    return statements


def code_sites(path: Path, root: Path) -> dict[str, list[CodeSite]]:
    """Return, per ID, the sites of one file that cite it: functions whose body cites it in a
    string literal, module-level names whose value does, module-level names whose comment names
    it (constants), and the docstrings and in-function comments that name it (mentions)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    scopes = _scopes(tree)
    cited: _Citations = {}
    statements = _literal_citations(tree, scopes, cited)
    for rule_id, name, start, line in _docstring_mentions(tree, scopes):
        _cite(cited, rule_id, (name, "mention", start), line)
    lines = source.splitlines()
    for line, text in _comments(source):
        scope = scopes.innermost(line)
        target = None if scope else _commented_assignment(statements, lines, line, text)
        for rule_id in NAMED_ID.findall(text):
            if scope is not None:
                _cite(cited, rule_id, (scope[0], "mention", scope[1]), line)
            elif target is not None:
                _cite(cited, rule_id, (target[0], "constant", target[1]), line)
    where = relative(path, root)
    found: dict[str, list[CodeSite]] = {}
    for (rule_id, name, kind, start), at in cited.items():
        found.setdefault(rule_id, []).append(CodeSite(where, start, name, kind, tuple(sorted(at))))
    return found


def _commented_assignment(
    statements: list[ast.stmt], lines: list[str], line: int, text: str
) -> tuple[str, int] | None:
    """Return the module-level assignment a comment belongs to: the one whose lines hold it (a
    trailing comment), or the one right below its block of comment lines (not a section rule)."""
    if SECTION_RULE.match(text):
        return None
    for statement in statements:
        end = statement.end_lineno or statement.lineno
        if statement.lineno <= line <= end:
            name = _assigned_name(statement)
            return (name, statement.lineno) if name else None
    below = line
    while below < len(lines) and lines[below].lstrip().startswith("#"):
        below += 1
    for statement in statements:
        if statement.lineno == below + 1:
            name = _assigned_name(statement)
            return (name, statement.lineno) if name else None
    return None


def _message_text(message: ast.expr | None) -> str | None:
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return message.value
    if isinstance(message, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{...}"
            for part in message.values
        )
    return None


def contract_asserts(path: Path, root: Path) -> list[ContractAssert]:
    """Return every assert of one file whose message starts with an ID or whose condition names
    one in a string literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    scopes = _scopes(tree)
    found: list[ContractAssert] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assert):
            continue
        message = _message_text(node.msg) or ""
        leading = LEADING_ID.match(message)
        condition = tuple(
            sorted(
                {
                    n.value
                    for n in ast.walk(node.test)
                    if isinstance(n, ast.Constant)
                    and isinstance(n.value, str)
                    and EXACT_ID.match(n.value)
                }
            )
        )
        if not leading and not condition:
            continue
        scope = scopes.innermost(node.lineno)
        found.append(
            ContractAssert(
                relative(path, root),
                node.lineno,
                scope[0] if scope else "<module>",
                message,
                leading.group(1) if leading else None,
                condition,
            )
        )
    return sorted(found)


# --- Reading the tests ------------------------------------------------------------------------


def is_covers_call(node: ast.AST) -> TypeGuard[ast.Call]:
    """Return whether ``node`` is a ``pytest.mark.covers(...)`` call (read by the cards and by the
    traceability test)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "covers"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    )


def _covers_ids(node: ast.AST) -> tuple[str, ...] | None:
    """Return the IDs of a ``pytest.mark.covers(...)`` call (None when ``node`` is not one)."""
    if is_covers_call(node):
        return tuple(
            str(argument.value)
            for argument in node.args
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        )
    return None


def _marks(node: ast.expr, named: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Return the IDs of a marker: a covers call, a name bound to one, or a list of them."""
    if isinstance(node, ast.List | ast.Tuple):
        return tuple(rule_id for element in node.elts for rule_id in _marks(element, named))
    if isinstance(node, ast.Name):
        return named.get(node.id, ())
    return _covers_ids(node) or ()


def _module_marks(
    tree: ast.Module, where: str
) -> tuple[list[TestSite], dict[str, tuple[str, ...]]]:
    """Return a test module's ``pytestmark`` covers, and its names bound to covers markers."""
    named: dict[str, tuple[str, ...]] = {}
    sites: list[TestSite] = []
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        target = statement.targets[0]
        if not isinstance(target, ast.Name):
            continue
        ids = _marks(statement.value, named)
        if target.id == "pytestmark" and ids:
            sites.append(TestSite(where, statement.lineno, where, "module", ids))
        elif _covers_ids(statement.value) is not None:
            named[target.id] = ids
    return sites, named


def test_sites(path: Path, root: Path) -> tuple[list[TestSite], dict[str, int]]:
    """Return the marked tests of one test file, and the line of each of its test functions by
    node ID."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = relative(path, root)
    sites, named = _module_marks(tree, where)
    functions: dict[str, int] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            name = f"{prefix}{node.name}"
            ids = tuple(i for d in node.decorator_list for i in _marks(d, named))
            kind: TestKind = "class" if isinstance(node, ast.ClassDef) else "function"
            if ids:
                sites.append(TestSite(where, node.lineno, name, kind, ids))
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{name}::")
            elif node.name.startswith("test"):
                functions[f"{where}::{name}"] = node.lineno

    visit(tree.body, "")
    return sites, functions


# --- Reading the tables -----------------------------------------------------------------------


def item_lines(text: str, key: str) -> dict[str, int]:
    """Return the 1-based line of each item of the top-level list ``key`` of a YAML document, by
    the item's ``id`` (read from the YAML nodes, so that any layout is found)."""
    document = yaml.compose(text)
    lines: dict[str, int] = {}
    if not isinstance(document, yaml.MappingNode):
        return lines
    for name, value in document.value:
        if name.value != key or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            for item_key, item_value in item.value:
                if item_key.value == "id" and isinstance(item_value, yaml.ScalarNode):
                    lines[str(item_value.value)] = item.start_mark.line + 1
    return lines


def row_lines(path: Path) -> dict[str, int]:
    """Return the line of each row of one table file, by row ID."""
    return item_lines(path.read_text(encoding="utf-8"), "rows")


def row_sites(root: Path) -> list[RowSite]:
    """Return every decision-table row (as the loader reads them) with its file and line under
    ``root``."""
    tables = root / TABLES_DIR.relative_to(ROOT)
    lines = {path.stem: (path, row_lines(path)) for path in sorted(tables.glob("*.yaml"))}
    sites: list[RowSite] = []
    for row in all_rows():
        path, by_id = lines[row.table]
        sites.append(
            RowSite(relative(path, root), by_id.get(row.id, 1), row.table, row.id, row.covers)
        )
    return sites


def catalogue_lines(root: Path) -> dict[str, int]:
    """Return the line of each ID's entry in the catalogue (``kernel/rules.py``)."""
    tree = ast.parse((root / CATALOGUE_FILE).read_text(encoding="utf-8"))
    for node in tree.body:
        value = node.value if isinstance(node, ast.AnnAssign | ast.Assign) else None
        if _assigned_name(node) == "RULES" and isinstance(value, ast.Dict):
            return {
                key.value: key.lineno
                for key in value.keys
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            }
    return {}


# --- The whole trace --------------------------------------------------------------------------


def _python_files(root: Path, directory: str) -> list[Path]:
    return sorted(p for p in (root / directory).rglob("*.py") if "__pycache__" not in p.parts)


_Site = TypeVar("_Site", CodeSite, ContractAssert, TestSite, RowSite)


def _group(pairs: Iterable[tuple[str, _Site]]) -> dict[str, tuple[_Site, ...]]:
    grouped: dict[str, set[_Site]] = {}
    for rule_id, item in pairs:
        grouped.setdefault(rule_id, set()).add(item)
    return {rule_id: tuple(sorted(items)) for rule_id, items in grouped.items()}


def collect(root: Path = ROOT) -> Trace:
    """Read the code, the contracts, the tests and the tables under ``root``."""
    code: list[tuple[str, CodeSite]] = []
    for directory in CODE_DIRECTORIES:
        for path in _python_files(root, directory):
            where = relative(path, root)
            if where == CATALOGUE_FILE or where.startswith(CONTRACTS_PACKAGE):
                continue
            for rule_id, found_sites in code_sites(path, root).items():
                code.extend((rule_id, site) for site in found_sites)
    asserts = [
        found
        for path in _python_files(root, CONTRACT_DIRECTORY)
        for found in contract_asserts(path, root)
    ]
    contracts = [
        (rule_id, found)
        for found in asserts
        for rule_id in {found.leading_id, *found.condition_ids} - {None}
        if rule_id is not None
    ]
    tests: list[TestSite] = []
    functions: dict[str, int] = {}
    for path in sorted((root / TESTS_DIRECTORY).rglob("test_*.py")):
        sites, names = test_sites(path, root)
        tests.extend(sites)
        functions.update(names)
    rows = row_sites(root)
    return Trace(
        code=_group(code),
        contracts=_group(contracts),
        tests=_group((rule_id, site) for site in tests for rule_id in set(site.ids)),
        rows=_group((rule_id, site) for site in rows for rule_id in set(site.ids)),
        catalogue_lines=catalogue_lines(root),
        test_functions=dict(sorted(functions.items())),
    )
