"""The layering rule (docs/design.md sections 1 and 7): the simulation (``model/``, ``agents/``) never
imports a front end (hydra, omegaconf, solara, matplotlib) and never uses global randomness
(the ``random`` module, ``np.random.<function>(...)`` on the global state, ``hash()`` seeds)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IMPORTS = {"hydra", "omegaconf", "solara", "matplotlib"}
# numpy.random names that do not touch the global state
NP_RANDOM_OK = {"default_rng", "Generator", "SeedSequence", "PCG64", "PCG64DXSM", "Philox",
                "SFC64", "MT19937", "BitGenerator"}


def sources() -> list[Path]:
    files = sorted(p for pkg in ("model", "agents") for p in (ROOT / pkg).rglob("*.py"))
    assert files, "no sources found"
    return files


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def _np_aliases(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names bound to numpy and to numpy.random in this module."""
    np_names, rnd_names = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "numpy":
                    np_names.add(a.asname or "numpy")
                elif a.name == "numpy.random":
                    if a.asname:
                        rnd_names.add(a.asname)
                    else:
                        np_names.add("numpy")
        elif isinstance(node, ast.ImportFrom) and node.module == "numpy":
            for a in node.names:
                if a.name == "random":
                    rnd_names.add(a.asname or "random")
    return np_names, rnd_names


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                if top in FORBIDDEN_IMPORTS:
                    out.append(f"line {node.lineno}: import {a.name}")
                if top == "random":
                    out.append(f"line {node.lineno}: import random (use a named stream)")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in FORBIDDEN_IMPORTS:
                out.append(f"line {node.lineno}: from {node.module} import ...")
            if top == "random":
                out.append(f"line {node.lineno}: from random import ...")
            if node.module == "numpy.random":
                bad = [a.name for a in node.names if a.name not in NP_RANDOM_OK]
                if bad:
                    out.append(f"line {node.lineno}: from numpy.random import {', '.join(bad)}")
    np_names, rnd_names = _np_aliases(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        # np.random.<fn>(...)
        if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute)
                and f.value.attr == "random" and isinstance(f.value.value, ast.Name)
                and f.value.value.id in np_names and f.attr not in NP_RANDOM_OK):
            out.append(f"line {node.lineno}: np.random.{f.attr}(...) uses the global state")
        # <alias of numpy.random>.<fn>(...)
        if (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                and f.value.id in rnd_names and f.attr not in NP_RANDOM_OK):
            out.append(f"line {node.lineno}: {f.value.id}.{f.attr}(...) uses the global state")
        # hash()-derived seeds differ between processes (PYTHONHASHSEED)
        if isinstance(f, ast.Name) and f.id == "hash":
            out.append(f"line {node.lineno}: hash(...) is salted per process")
    return out


@pytest.mark.parametrize("path", sources(), ids=_ids(sources()))
def test_simulation_code_keeps_to_its_layer(path):
    bad = violations(path)
    assert not bad, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize(("code", "expected"), [
    ("import hydra", 1), ("from omegaconf import OmegaConf", 1), ("import matplotlib.pyplot", 1),
    ("from solara import x", 1), ("import random", 1), ("from random import random", 1),
    ("import numpy as np\nnp.random.seed(1)", 1), ("import numpy as np\nnp.random.rand(3)", 1),
    ("import numpy\nnumpy.random.shuffle(x)", 1), ("from numpy import random as r\nr.normal()", 1),
    ("from numpy.random import normal", 1), ("seed = hash('demand')", 1),
    ("import numpy as np\ng = np.random.default_rng(0)\ng.normal()", 0),
    ("import numpy as np\nnp.random.Generator(np.random.PCG64(np.random.SeedSequence(1)))", 0),
    ("import numpy as np\nx = gen.random(3)", 0), ("from model.streams import Streams", 0),
])
def test_the_checker_itself(tmp_path, code, expected):
    p = tmp_path / "m.py"
    p.write_text(code + "\n")
    assert len(violations(p)) == expected, violations(p)


# ---- floors: who may import whom ----------------------------------------------------------------
#: The floors of the simulation, ground first (docs/design.md section 2). A module imports only
#: modules on floors below its own -- imports inside functions count -- so there is no import
#: cycle and no upward import. A new module needs a line here.
FLOORS: dict[str, int] = {
    # ground: the config schema, random streams, calendar, the ticket record, the agents, the
    # Erlang formulas, the event-log formats
    "model.config": 0, "model.streams": 0, "model.calendar": 0, "model.tickets": 0,
    "agents.staff": 0, "agents.customer": 0, "model.queueing": 0, "model.eventlog": 0,
    # parts: the catalogue and population, the engine and its desks, routing, logs, writers,
    # the mechanism contract, pod rules
    "model.catalogue": 1, "model.population": 1, "model.customer_graph": 1, "model.frames": 1,
    "model.pods": 1, "model.engine": 1, "model.desks": 1, "model.recorder": 1,
    "model.routing": 1, "model.runio": 1, "model.mechanism": 1,
    # what the model is built from: demand, the org builder, the customer network, the KPIs, and
    # the mechanisms
    "model.demand": 2, "model.org": 2, "model.network": 2, "model.metrics": 2,
    "model.talent": 2, "model.staffing": 2, "model.feedback": 2, "model.relationships": 2,
    "model.correlated": 2, "model.shared_fixes": 2, "model.pilot": 2,
    "model.customers": 3,  # relationships is its part
    "model.model": 4,  # the Mesa model: builds the parts, installs the mechanisms
    "model.sizing": 5,  # the measuring probe: builds models before the sized one
    "model.simulate": 6,  # one run end to end
}


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return ".".join(p for p in rel.parts if p != "__init__")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import of ``model``/``agents`` in ``path``, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return [(n, m) for n, m in out if m.split(".")[0] in ("model", "agents") and "." in m]


def floor_violations(path: Path, floors: dict[str, int]) -> list[str]:
    me = _module(path)
    if me not in floors:
        return [f"{me} has no floor in FLOORS (tests/test_layering.py)"]
    return [f"line {n}: {me} (floor {floors[me]}) imports {m} (floor {floors.get(m)})"
            for n, m in imports_of(path) if floors.get(m, 99) >= floors[me]]


@pytest.mark.parametrize("path", [p for p in sources() if p.name != "__init__.py"],
                         ids=_ids([p for p in sources() if p.name != "__init__.py"]))
def test_imports_only_go_down_a_floor(path):
    bad = floor_violations(path, FLOORS)
    assert not bad, "\n  ".join(bad)


def test_every_floor_entry_is_a_module():
    modules = {_module(p) for p in sources() if p.name != "__init__.py"}
    assert set(FLOORS) == modules, (set(FLOORS) - modules, modules - set(FLOORS))


def test_the_floor_checker_itself(tmp_path):
    """A cycle through a function-level import, and an upward import, are both caught."""
    pkg = tmp_path / "model"
    pkg.mkdir()
    (pkg / "a.py").write_text("from model.b import x\n")
    (pkg / "b.py").write_text("def f():\n    from model.a import y\n")
    floors = {"model.a": 1, "model.b": 0}
    global ROOT
    old, ROOT = ROOT, tmp_path
    try:
        assert floor_violations(pkg / "a.py", floors) == []
        assert len(floor_violations(pkg / "b.py", floors)) == 1  # the import inside f()
        assert floor_violations(pkg / "a.py", {"model.a": 0, "model.b": 0})  # same floor
        assert floor_violations(pkg / "a.py", {"model.b": 0})  # no floor: named
    finally:
        ROOT = old
