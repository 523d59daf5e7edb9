"""The code's layout as CONVENTIONS.md draws it, read from the source: imports run one way
between the apps, no two modules import each other (directly or round a loop), no import is
tucked inside a function to hide such a loop, and a module over 400 lines says why it is one."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("clps", "privacy", "strikes", "pickets", "newsletters", "tuliaison")
# Which apps each app may import. clps is the ground floor; privacy sits beside it; each app
# above may use those below; only the project's wiring (tuliaison) imports newsletters.
MAY_IMPORT = {
    "clps": set(),
    "privacy": {"clps"},
    "strikes": {"clps", "privacy"},
    "pickets": {"clps", "privacy", "strikes"},
    "newsletters": {"clps", "privacy", "strikes", "pickets"},
    "tuliaison": set(APPS),
}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def imported(name: str, node: ast.Import | ast.ImportFrom, *, package: bool) -> list[str]:
    """The project modules an import statement names."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            base = name.split(".") if package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        targets = [
            f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix for a in node.names
        ]
    found = []
    for target in targets:
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.append(target)
    return found


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Imports at the top of each module, and those inside functions."""
    top: dict[str, set[str]] = defaultdict(set)
    inner: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        package = path.name == "__init__.py"
        at_top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph = top if id(node) in at_top else inner
                graph[name].update(imported(name, node, package=package))
    return top, inner


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        for following in graph[current] - seen:
            seen.add(following)
            todo.append(following)
    return False


def test_imports_run_one_way_between_the_apps():
    top, inner = import_graph()
    wrong = sorted(
        f"{name} imports {target}"
        for graph in (top, inner)
        for name, targets in graph.items()
        for target in targets
        if (app := name.split(".")[0]) != (other := target.split(".")[0])
        and other not in MAY_IMPORT[app]
    )
    assert not wrong, wrong


def loops_closed_by(imports: dict[str, set[str]], top: dict[str, set[str]]) -> list[str]:
    """Each import in `imports` whose target leads back, through top-level imports, to the
    module that makes it."""
    return sorted(
        f"{name} imports {target}"
        for name, targets in imports.items()
        for target in targets
        if reaches(top, target, name)
    )


def test_no_module_imports_another_that_imports_it_back():
    top, _ = import_graph()
    loops = loops_closed_by(top, top)
    assert not loops, loops


def test_no_import_inside_a_function_hides_a_loop():
    top, inner = import_graph()
    hidden = loops_closed_by(inner, top)
    assert not hidden, hidden


def test_a_module_over_400_lines_says_why_it_is_one():
    long = {
        name: path
        for name, path in MODULES.items()
        if len(path.read_text().splitlines()) > MAX_LINES
    }
    unexplained = sorted(
        name
        for name, path in long.items()
        if "One module, though over 400 lines"
        not in (ast.get_docstring(ast.parse(path.read_text())) or "")
    )
    assert not unexplained, unexplained


def test_the_checks_read_the_whole_project():
    """A guard for the guards: the graph holds the modules and imports it should."""
    top, _ = import_graph()
    assert "newsletters.weekly.sending" in MODULES and "strikes.csv_import.jobs" in MODULES
    assert "clps.outbox" in top["newsletters.weekly.sending"]
    assert "newsletters.weekly.tasks" in top["newsletters.weekly.services"]
