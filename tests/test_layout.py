"""The layout: the apps depend one way, the project-wide pieces import neither the pool nor trading, and the pure
rules import no model. Every import counts, also those inside functions."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("accounting", "quota_registry", "ledger", "reserve", "trading", "carbon")
# quota_registry's composition root: the URL configurations, the workspace pages and the demo data, the settings
# and the process entry points, which put the apps together and so may import any of them.
COMPOSITION = ("quota_registry.urls", "quota_registry.api_urls", "quota_registry.portal", "quota_registry.settings",
               "quota_registry.celery", "quota_registry.wsgi")
# Which app may import which (the direction of the arrows); each imports itself too.
ALLOWED = {
    "accounting": set(),
    "quota_registry": {"accounting"},
    "ledger": {"quota_registry", "accounting"},
    "trading": {"ledger", "quota_registry", "accounting"},
    "reserve": {"trading", "ledger", "quota_registry", "accounting"},
    "carbon": {"ledger", "quota_registry", "accounting"},  # beside trading and reserve, needing neither
}


def modules():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # `from x import submodule`
    return found


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in PACKAGES else None


@pytest.fixture(scope="module")
def graph():
    known = dict(modules())
    return {name: {t for t in imports(name, path) if app_of(t)} for name, path in known.items()}


def test_the_apps_depend_one_way(graph):
    wrong = sorted(f"{m} imports {t}" for m, targets in graph.items() for t in targets
                   if not m.startswith(COMPOSITION) and app_of(t) != app_of(m)
                   and app_of(t) not in ALLOWED[app_of(m)])
    assert wrong == []


def test_no_cycle_between_modules(graph):
    known = set(graph)

    def resolve(target):  # `from package import module` names a module; `from module import name` does not
        while target and target not in known:
            target = target.rsplit(".", 1)[0] if "." in target else ""
        return target

    edges = {m: {resolve(t) for t in targets} - {m, ""} for m, targets in graph.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert cycles == []


def test_the_pure_rules_import_no_model_and_no_database(graph):
    accounting = {m: targets for m, targets in graph.items() if m.startswith("accounting")}
    assert all(app_of(t) == "accounting" for targets in accounting.values() for t in targets)
    for name, path in modules():
        if name.startswith("accounting"):
            source = path.read_text()
            assert "django.db" not in source and "models" not in {t.split(".")[-1] for t in imports(name, path)}, name
