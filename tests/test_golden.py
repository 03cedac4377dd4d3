"""Golden digests: every output column of every shipped scenario and of the demo sweep is what
it was when the digests were last written on purpose (`python tests/golden.py`), on the same
numeric path whatever the processor (golden.CANONICAL)."""

from __future__ import annotations

import json

from golden import DIGESTS, canonical

EXPECTED = json.loads(DIGESTS.read_text())


def _compare(found: dict[str, str], demo: bool) -> None:
    wanted = {k: v for k, v in EXPECTED.items() if k.startswith("demo/") == demo}
    changed = sorted(k for k in wanted.keys() | found.keys() if wanted.get(k) != found.get(k))
    assert not changed, (
        f"{len(changed)} golden digests changed (first: {changed[:8]}); if the model changed on "
        "purpose, run `python tests/golden.py` and commit the digests with the reason"
    )


def test_scenarios_match_golden_digests():
    _compare(canonical("scenarios"), demo=False)


def test_demo_sweep_matches_golden_digests():
    _compare(canonical("demo"), demo=True)
