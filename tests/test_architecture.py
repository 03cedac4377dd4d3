"""The house rules, checked on the source: layers, module size, declared counters, one
vocabulary."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from sim.model import metrics

SIM = Path(__file__).resolve().parent.parent / "sim"
# each layer may import only from the layers before it
LAYERS = (
    {"sim.vocabulary", "sim.files", "sim.schema", "sim.config"},
    {"sim.scenario"},
    {"sim.model"},
    {"sim.experiment"},
    {"sim.analysis"},
    {"sim.calibration", "sim.optimization"},
    {"sim.viz"},
    {"sim.cli", "sim"},
)
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SIM.rglob("*.py")):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The sim modules `name` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found |= {f"{target}.{a.name}" for a in node.names}
            if node.module:
                found.add(target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {t for t in found if t == "sim" or t.startswith("sim.")} & set(modules())


def layer(name: str) -> int:
    best = max(
        (p for group in LAYERS for p in group if name == p or name.startswith(p + ".")), key=len
    )
    return next(i for i, group in enumerate(LAYERS) if best in group)


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_imports_from_a_layer_above_it(name):
    above = {t for t in imports(name, modules()[name]) if layer(t) > layer(name)}
    assert not above, f"{name} (layer {layer(name)}) imports from above: {sorted(above)}"


def test_no_import_cycles():
    graph = {name: imports(name, path) - {name} for name, path in modules().items()}
    done, path = set(), []

    def visit(node: str) -> None:
        if node in path:
            cycle = path[path.index(node) :] + [node]
            pytest.fail(f"import cycle: {' -> '.join(cycle)}")
        if node in done:
            return
        path.append(node)
        for nxt in graph[node]:
            if not (nxt != node and node.startswith(nxt + ".")):  # a package's own __init__
                visit(nxt)
        path.pop()
        done.add(node)

    for name in graph:
        visit(name)


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines (split it: at most {MAX_LINES})"


def _tally_uses() -> tuple[set[str], list[str]]:
    """Counters the stages add to, and any place that assigns one instead of adding."""
    added, assigned = set(), []
    for path in sorted((SIM / "model").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            target = getattr(node, "target", None) or next(iter(getattr(node, "targets", [])), None)
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
                continue
            if target.value.id != "tally":
                continue
            if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
                added.add(target.attr)
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                assigned.append(f"{path.name}:{node.lineno} tally.{target.attr}")
    return added, assigned


def test_every_counter_is_added_to_and_none_is_overwritten():
    added, assigned = _tally_uses()
    counters = {f.name for f in fields(metrics.Tally)}
    assert not assigned, f"stages must add to counters, not set them: {assigned}"
    assert added <= counters
    assert counters - added == set(), f"counters no stage adds to: {sorted(counters - added)}"


def test_a_misspelt_counter_fails():
    tally = metrics.Tally()
    with pytest.raises(AttributeError):
        tally.inovations += 1


def test_every_helper_counter_is_read_by_a_metric():
    source = (SIM / "model" / "measures.py").read_text() + (
        SIM / "model" / "metrics.py"
    ).read_text()
    for name in metrics.HELPER_COUNTERS:
        assert f"tally.{name}" in source, f"helper counter {name} is read by no metric"


def test_the_registry_declares_each_metric_once_with_words_for_people():
    names = [m.name for m in metrics.REGISTRY]
    assert len(names) == len(set(names))
    for m in metrics.REGISTRY:
        assert m.label and m.label != m.name or " " not in m.name, m.name
        assert (m.compute is None) == (m.role == "flow"), m.name


@pytest.mark.parametrize("name", sorted(modules()))
def test_kinds_are_named_from_the_vocabulary(name):
    """No module spells the kinds' list itself or compares a kind with a bare number."""
    text = modules()[name].read_text()
    if name == "sim.vocabulary":
        return
    assert '"startup", "corporate", "university"' not in text, name
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Subscript):
            base = node.left.value
            if isinstance(base, ast.Attribute) and base.attr in ("kind", "origin", "end_reason"):
                assert not any(
                    isinstance(c, ast.Constant) and isinstance(c.value, int) and c.value >= 0
                    for c in node.comparators
                ), (name, node.lineno)
