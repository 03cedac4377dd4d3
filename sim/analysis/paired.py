"""Paired differences over seeds: is a change beyond noise in the direction claimed?

Each seed runs both scenarios (common random numbers), so the differences seed by seed carry
the effect with much less noise than two independent samples. A change is beyond noise when
the 95% Student t interval of the mean difference excludes zero on the claimed side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .aggregate import t_halfwidth

Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Paired:
    """The paired differences of one measure: means, mean difference and its 95% interval,
    and how many seeds moved in the claimed direction."""

    n: int
    base: float
    other: float
    diff: float
    low: float
    high: float
    agree: int
    direction: Direction

    @property
    def relative(self) -> float:
        """The mean difference over the base's mean (NaN for a zero base)."""
        return self.diff / abs(self.base) if self.base else float("nan")

    @property
    def holds(self) -> bool:
        """The interval excludes zero on the claimed side."""
        return bool(self.low > 0) if self.direction == "up" else bool(self.high < 0)

    def as_dict(self) -> dict[str, float | int | str | bool]:
        return {
            "n": self.n,
            "base_mean": self.base,
            "mean": self.other,
            "diff": self.diff,
            "diff_ci_low": self.low,
            "diff_ci_high": self.high,
            "relative": self.relative,
            "agree": self.agree,
            "direction": self.direction,
            "holds": self.holds,
        }


def paired(base: Sequence[float], other: Sequence[float], direction: Direction) -> Paired:
    """Paired differences `other - base`, seed by seed (pairs with a missing value dropped);
    fewer than two pairs never hold."""
    b, o = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    keep = np.isfinite(b) & np.isfinite(o)
    b, o = b[keep], o[keep]
    d = o - b
    n = len(d)
    if n == 0:
        nan = float("nan")
        return Paired(0, nan, nan, nan, nan, nan, 0, direction)
    half = float(t_halfwidth(d.std(ddof=1), n)) if n > 1 else float("nan")
    mean = float(d.mean())
    sign = 1 if direction == "up" else -1
    agree = int((np.sign(d) == sign).sum())
    low, high = mean - half, mean + half  # nan with one seed
    return Paired(n, float(b.mean()), float(o.mean()), mean, low, high, agree, direction)


def describe(row: dict[str, Any]) -> str:
    """A paired result (`Paired.as_dict`) in words: the mean difference with its 95% interval,
    relative to the base's mean (absolute when that mean is zero, a counter the base never
    moves), and the seeds that moved in the claimed direction."""
    base = abs(row["base_mean"])
    low, high = row["diff_ci_low"], row["diff_ci_high"]
    if base:
        change = f"{_pct(row['diff'] / base)} (95% CI {_pct(low / base)} to {_pct(high / base)})"
    else:
        change = f"{row['diff']:+.3g} (95% CI {low:+.3g} to {high:+.3g})"
    return f"{change}, {row['agree']}/{row['n']} seeds"


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:+.1f}%"  # NaN is not equal to itself
