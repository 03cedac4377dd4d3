"""The stylized facts of one run, measured from its agent-level records and its final state:
startup survival by age, the concentration of innovation value, the radical tail, and firms'
knowledge and innovation (docs/validation.md). The network's shape is in the metric registry."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model.state import State
from ..vocabulary import FIRMS, End

FIRM_KINDS = tuple(kind.label for kind in FIRMS)


def survival(actors: pd.DataFrame, steps: int, ages: Sequence[int]) -> dict[int, float]:
    """Kaplan-Meier survival at each age (months) of the startups founded in the run. A failure
    or a closure is a death: an acquisition or IPO is a successful exit, so the exited company
    counts as surviving to the end of the run, where every survivor is censored."""
    founded = actors[actors["startup_at_birth"] & (actors["born"] >= 1)]
    born = founded["born"].to_numpy(dtype=np.int64)
    died = founded["end"].isin([End.FAILED.label, End.CLOSED.label]).to_numpy()
    ended = founded["ended"].to_numpy(dtype=float)
    age = np.where(died, ended - born, steps - born).astype(np.int64)
    if len(age) == 0:
        return {a: float("nan") for a in ages}
    deaths = np.bincount(age[died], minlength=age.max() + 1)
    at_risk = np.bincount(age, minlength=age.max() + 1)[::-1].cumsum()[::-1]  # age >= t
    with np.errstate(invalid="ignore", divide="ignore"):
        curve = np.cumprod(1 - np.where(at_risk > 0, deaths / at_risk, 0.0))
    # beyond the oldest age observed the curve is unknown
    return {a: float(curve[a]) if a < len(curve) else float("nan") for a in ages}


def top_share(values: np.ndarray, share: float) -> float:
    """Share of the total held by the largest `share` of the values (at least one)."""
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    total = values.sum()
    if len(values) == 0 or total <= 0:
        return float("nan")
    top = max(1, int(round(share * len(values))))
    return float(values[:top].sum() / total)


def radical_tail(innovations: pd.DataFrame, share: float) -> tuple[float, float]:
    """(Share of radical innovations among the most valuable `share` of innovations, their
    share among all innovations)."""
    if innovations.empty:
        return float("nan"), float("nan")
    ranked = innovations.sort_values("value", ascending=False)
    top = ranked.head(max(1, int(round(share * len(ranked)))))
    return float(top["radical"].mean()), float(innovations["radical"].mean())


def firms(state: State, innovations: pd.DataFrame) -> dict[str, float]:
    """Firms' (startups' and corporates') mean knowledge at the end, in absolute terms (held
    knowledge times each field's state of the art, which starts at 1: a variant that moves
    the frontier less would otherwise look more knowledgeable), and their innovations and
    innovation value over the run."""
    rows = state.rows(FIRMS)
    knowledge = state.actors.knowledge[rows] * state.frontier
    made = innovations[innovations["kind"].isin(FIRM_KINDS)] if len(innovations) else innovations
    return {
        "firm_knowledge": float(knowledge.mean()) if len(rows) else float("nan"),
        "firm_innovations": float(len(made)),
        "firm_innovation_value": float(made["value"].sum()) if len(made) else 0.0,
    }
