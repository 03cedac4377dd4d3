"""What a what-if scenario claims: which headline metric it moves, and which way.

`ecosim claims` (sim/analysis/claims.py) runs the scenario and the one it is compared with on
paired seeds and checks each claim beyond noise; it also checks that each metric is one the
registry (sim/model/metrics.py) declares, which this layer cannot see. The model never reads
claims.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Section


class Claim(Section):
    """One claim: the scenario moves `metric` `direction` against the scenario it extends."""

    metric: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="a metric of the registry: a flow summed over the run, a level at the last "
        "month, or a per-run metric",
    )
    direction: Literal["up", "down"] = Field(
        description="up: higher than in the scenario compared with; down: lower"
    )
    against: str | None = Field(
        None,
        min_length=1,
        description="the scenario file compared with, relative to this file (default: the "
        "file it extends)",
    )
