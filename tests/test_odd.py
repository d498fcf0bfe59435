"""docs/ODD.md stays in step with the code: generated parameter tables, every config key, the
day's phases, the random streams and the engine's event kinds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from experiments.tools import odd_params
from model import engine
from model.model import TierSimModel
from model.streams import STREAM_NAMES

DOC = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
PHASES = ("_draw_demand", "_morning", "_work_tickets", "_record_day")


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_param_block_is_generated(doc):
    """The block between the PARAMS markers is exactly render(): regenerate with
    ``python -m experiments.tools.odd_params``."""
    assert odd_params.block(doc) == odd_params.render().strip("\n")


def test_check_mode_passes():
    assert odd_params.main(["--check", "--doc", str(DOC)]) == 0


def test_check_mode_detects_stale(tmp_path, doc):
    stale = doc.replace("| `seed` |", "| `seed_old` |", 1)
    assert stale != doc
    path = tmp_path / "ODD.md"
    path.write_text(stale, encoding="utf-8")
    assert odd_params.main(["--check", "--doc", str(path)]) == 1
    assert odd_params.main(["--doc", str(path)]) == 0  # rewrite fixes it
    assert odd_params.main(["--check", "--doc", str(path)]) == 0


def test_every_schema_key_is_documented(doc):
    keys = odd_params.schema_keys()
    assert "org.l1.headcount" in keys and "customers.segments[0].mrr" in keys
    missing = [k for k in keys if f"`{k}`" not in doc]
    assert not missing, f"config keys absent from docs/ODD.md: {missing}"


def test_every_phase_is_documented(doc):
    named = re.findall(r"``(_\w+)``", TierSimModel.__doc__ or "")
    assert set(PHASES) <= set(named), "TierSimModel's docstring no longer names the phases"
    missing = [p for p in named if p not in doc]
    assert not missing, f"phases of TierSimModel.step absent from docs/ODD.md: {missing}"


def test_streams_and_event_kinds_are_documented(doc):
    missing = [s for s in STREAM_NAMES if f"`{s}`" not in doc]
    assert not missing, f"random streams absent from docs/ODD.md: {missing}"
    for kind in ("FINISH", "READY", "SHIFT"):
        assert hasattr(engine, kind)
        assert f"`{kind}`" in doc, kind


def test_units_from_names():
    u = odd_params.unit_for
    assert u("org.handoff.writeup_minutes") == "minutes"
    assert u("org.pilot.duration_days") == "days"
    assert u("org.handoff.context_loss_p") == u("product.engineering_share")
    assert u("org.l2.headcount") == "people"
    assert u("workforce.salary.l1").startswith("USD per year")
    assert u("customers.segments[1].mrr") == "USD per month"


def test_every_plausible_range_is_shown(doc):
    """The tables' last column gives each ranged parameter's range and reason (the sensitivity
    analysis's input), '—' elsewhere; the parameters left unranged are listed with the reason."""
    from model.config import NOT_RANGED, ranged_parameters

    rows = {re.sub(r"\[(\d+)\]", r".\1", r.key): r for g in odd_params.groups() for r in g.rows}
    ranged = ranged_parameters()
    for p in ranged:
        assert rows[p.key].plausible.endswith(f": {p.why}"), p.key
    assert sum(r.plausible != "—" for r in rows.values()) == len(ranged)
    assert rows["feedback.workflow_p"].plausible.startswith("[0.02, 0.1]: ")
    assert rows["workforce.planning.review_days"].plausible.startswith("[14, 91]: ")
    assert "| plausible range (why) |" in doc
    for reason, keys in NOT_RANGED.items():
        assert f"- {reason}: " in doc and all(f"`{k}`" in doc for k in keys)
