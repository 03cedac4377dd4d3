"""Scenario discovery: under which conditions does a policy fail? PRIM and CART (from
ema_workbench's analysis module) over a finished sweep's varied parameters, with a case of
interest defined by a condition on a per-run metric (`innovations < 0.9 * baseline`).

A case is a design point of the analysed scenario: the metric's mean over that point's
finished replicates. `baseline` is the paired baseline, the baseline scenario's mean at the
same point (the runs share seeds), or, when the baseline itself is analysed, its mean over all
points. Writing the results is discovery_output.py's.
"""

from __future__ import annotations

import difflib
import operator
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import ScenarioError
from ..experiment.folder import SweepFolder
from ..model.metrics import PER_RUN
from ..scenario import meaning

OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_CONDITION = re.compile(
    r"\s*(?P<metric>[A-Za-z_]\w*)\s*(?P<op><=|>=|<|>)\s*"
    r"(?:(?P<share>[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*\*\s*)?(?P<value>baseline|[-+]?\d*\.?\d+"
    r"(?:[eE][-+]?\d+)?)\s*"
)


@dataclass(frozen=True)
class Condition:
    """`metric op threshold`, or `metric op share * baseline`."""

    text: str
    metric: str
    op: str
    threshold: float | None  # None: relative to the baseline
    share: float = 1.0

    @property
    def relative(self) -> bool:
        return self.threshold is None

    def holds(self, values: np.ndarray, baseline: np.ndarray | float) -> np.ndarray:
        """Whether each value meets the condition (against its paired baseline)."""
        bound = self.share * baseline if self.relative else self.threshold
        return OPERATORS[self.op](values, bound)


def parse_condition(text: str, metrics: list[str]) -> Condition:
    """A --where condition, checked against the metrics the sweep has. Raises ScenarioError."""
    found = _CONDITION.fullmatch(text)
    if not found:
        raise ScenarioError(
            [
                f"--where: {text!r}: expected METRIC OP NUMBER or METRIC OP SHARE * baseline, "
                'with OP one of <, <=, >, >=, e.g. "innovations < 0.9 * baseline"'
            ]
        )
    metric = found["metric"]
    if metric not in metrics:
        close = difflib.get_close_matches(metric, metrics, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(
            [f"--where: {text!r}: unknown metric {metric!r}{hint}; allowed: {', '.join(metrics)}"]
        )
    if found["value"] == "baseline":
        share = float(found["share"]) if found["share"] else 1.0
        return Condition(text.strip(), metric, found["op"], None, share)
    if found["share"]:
        raise ScenarioError([f"--where: {text!r}: a share multiplies `baseline`, not a number"])
    return Condition(text.strip(), metric, found["op"], float(found["value"]))


@dataclass(frozen=True)
class Cases:
    """The design points of the analysed scenario: each point's parameter values (`x`), its
    metric mean and baseline, and whether it meets the condition (`y`)."""

    scenario: str
    x: pd.DataFrame
    value: np.ndarray
    baseline: np.ndarray
    y: np.ndarray
    runs: int  # finished runs used
    failed: int  # runs left out: not finished
    note: str  # how `baseline` was read, in words
    ranges: dict[str, Any]  # each parameter's sweep range, (low, high) or its categories


def cases(folder: SweepFolder, condition: Condition, scenario: str | None) -> Cases:
    """The cases of a sweep folder for `condition`. Raises ScenarioError when the sweep varies
    nothing, the scenario is unknown or ambiguous, or no point or every point meets it."""
    manifest = folder.read_manifest()
    params = list(manifest.parameters)
    if not params:
        raise ScenarioError(
            [f"{folder.root}: the sweep varies no parameter; discovery needs an LHS, Sobol, "
             "Morris or grid design over some"]
        )  # fmt: skip
    runs = pd.read_parquet(folder.runs_parquet)
    name = _scenario(manifest, scenario, folder)
    base = manifest.baseline
    ok = runs[runs["status"] == "ok"]
    scalar = [p for p in params if not isinstance(runs[p].iloc[0], list | np.ndarray)]
    if not scalar:
        raise ScenarioError([f"{folder.root}: every varied parameter takes pairs of values; "
                             "discovery needs scalar parameters"])  # fmt: skip
    means = ok.groupby(["scenario", "point"])[condition.metric].mean()
    mine = ok[ok["scenario"] == name].groupby("point")
    x = mine[scalar].first()
    value = means.loc[name].reindex(x.index).to_numpy(dtype=float)
    if name == base:
        baseline = np.full(len(x), np.nanmean(value))
        note = f"the baseline scenario's mean over all {len(x)} points"
    else:
        baseline = means.loc[base].reindex(x.index).to_numpy(dtype=float)
        note = f"the baseline scenario ({base}) at the same design point, paired by seed"
    keep = np.isfinite(value) & np.isfinite(baseline)
    x, value, baseline = x[keep], value[keep], baseline[keep]
    y = condition.holds(value, baseline)
    meets = int(y.sum())
    if meets in (0, len(y)):
        what = "no" if meets == 0 else "every"
        raise ScenarioError(
            [f"--where: {condition.text!r}: {what} design point of {name} meets it "
             f"({len(y)} points); PRIM needs some that do and some that do not"]
        )  # fmt: skip
    return Cases(
        scenario=name,
        x=_typed(x.reset_index(drop=True)),
        value=value,
        baseline=baseline,
        y=y,
        runs=int((ok["scenario"] == name).sum()),
        failed=int(((runs["scenario"] == name) & (runs["status"] != "ok")).sum()),
        note=note,
        ranges=_ranges(manifest.experiment.parameters, scalar),
    )


def _scenario(manifest: Any, wanted: str | None, folder: SweepFolder) -> str:
    names = list(manifest.scenarios)
    if wanted is not None:
        if wanted not in names:
            raise ScenarioError(
                [f"--scenario: {wanted!r} is not in {folder.root}; allowed: {', '.join(names)}"]
            )
        return wanted
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return names[1]
    raise ScenarioError(
        [f"--scenario: {folder.root} has {len(names) - 1} alternatives to the baseline; name the "
         f"one to analyse: {', '.join(names[1:])}"]
    )  # fmt: skip


def _typed(x: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats, anything else (strings, booleans) as categories, as PRIM wants."""
    for column in x.columns:
        values = x[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        x[column] = values.astype(float) if numeric else values.astype(str).astype("category")
    return x


def _ranges(parameters: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Each parameter's range as the experiment gives it: (low, high), or its values."""
    found = {}
    for name in names:
        spec = parameters[name]
        if isinstance(spec, list):
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in spec)
            found[name] = (min(spec), max(spec)) if numeric else [str(v) for v in spec]
        else:
            found[name] = (spec.low, spec.high)
    return found


@dataclass(frozen=True)
class Discovery:
    """What PRIM and CART found: the peeling trajectory, the chosen box and its limits."""

    condition: Condition
    cases: Cases
    trajectory: pd.DataFrame  # box, coverage, density, mass, restricted
    chosen: int
    limits: pd.DataFrame  # parameter, low, high, categories, restricted, range, meaning
    cart: pd.DataFrame  # leaf, coverage, density, mass, rule
    settings: dict[str, float]

    @property
    def coverage(self) -> float:
        return float(self.trajectory.loc[self.chosen, "coverage"])

    @property
    def density(self) -> float:
        return float(self.trajectory.loc[self.chosen, "density"])

    def words(self) -> str:
        """The chosen box's limits in plain words."""
        parts = [r["words"] for r in self.limits.to_dict("records") if r["restricted"]]
        return " and ".join(parts) if parts else "anywhere in the sweep's ranges"


def discover(
    found: Cases, condition: Condition, min_coverage: float = 0.5, peel_alpha: float = 0.05
) -> Discovery:
    """Run PRIM and CART on the cases. The chosen box is, on PRIM's peeling trajectory, the
    densest box whose coverage is at least `min_coverage`. PRIM peels greedily, so it also
    trims parameters that do not matter; when the quasi-p values support only some of the
    chosen box's restrictions, PRIM runs again over those parameters alone (the usual
    practice, Bryant & Lempert 2010) and the box is chosen from that trajectory."""
    prim, cart = _ema()
    y = found.y.astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema's deprecation and empty-box warnings
        box = _peeled(prim, found.x, y, peel_alpha)
        # a leaf holds at least one point (CART's 5% of a small sweep rounds down to none)
        tree = cart.CART(found.x, y, mass_min=max(0.05, 1.5 / len(y)))
        tree.build_tree()
        leaves = _leaves(tree)
        first = box
        chosen = _choose(box, min_coverage)
        restricted = list(box.qp[chosen])
        kept = _supported(box, chosen)
        if kept and len(kept) < len(restricted):  # greedy peeling trimmed what does not matter
            box = _peeled(prim, found.x[kept], y, peel_alpha)
            chosen = _choose(box, min_coverage)
    limits = _limits(box.box_lims[chosen], first.box_lims[0], found.ranges)
    dropped = [name for name in restricted if name not in kept] if kept else []
    settings = {"min_coverage": min_coverage, "peel_alpha": peel_alpha, "dropped": dropped}
    return Discovery(condition, found, _trajectory(box), chosen, limits, leaves, settings)


def _trajectory(box: Any) -> pd.DataFrame:
    """The box's trajectory: box, coverage, density, mass, parameters restricted."""
    t = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    t = t.rename(columns={"res_dim": "restricted"}).astype({"restricted": int})
    t.insert(0, "box", np.arange(len(t)))
    return t


def _peeled(prim: Any, x: pd.DataFrame, y: np.ndarray, peel_alpha: float) -> Any:
    """PRIM's first box with its whole peeling and pasting trajectory. Prim.find_box does this
    and then, when the last box's density is below its threshold, hands back a box with no
    trajectory; here the threshold (0.5: the cases y = 1) only marks the cases of interest,
    and the box is chosen from the trajectory (ema_workbench 2.5's own steps of find_box)."""
    alg = prim.Prim(x, y, threshold=0.5, peel_alpha=peel_alpha)
    alg._update_yi_remaining(alg)
    box = prim.PrimBox(alg, alg.box_init, alg.yi_remaining[:])
    return alg._paste(alg._peel(box))


def _choose(box: Any, min_coverage: float) -> int:
    """The densest box on the trajectory with at least `min_coverage` (ties: the larger
    coverage, then the fewer parameters restricted, then the earlier, larger box)."""
    t = _trajectory(box)
    eligible = t[t["coverage"] >= min_coverage - 1e-12]
    ranked = eligible.sort_values(
        ["density", "coverage", "restricted", "box"], ascending=[False, False, True, True]
    )
    return int(ranked.index[0])


def _supported(box: Any, chosen: int, alpha: float = 0.05) -> list[str]:
    """The chosen box's restricted parameters that its quasi-p values support (Bryant &
    Lempert 2010: a one-sided binomial test of each limit, at `alpha`)."""
    kept = []
    for name, values in box.qp[chosen].items():
        ps = [p for p in values if p >= 0]
        if ps and min(ps) <= alpha:
            kept.append(name)
    return kept


def _ema() -> tuple[Any, Any]:
    """ema_workbench's prim and cart (imported here: 4 s, and a warning about ipyparallel)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim
    return prim, cart


def _limits(box: pd.DataFrame, initial: pd.DataFrame, ranges: dict[str, Any]) -> pd.DataFrame:
    """One row per parameter: the box's limits, whether it restricts it, and in words (a
    parameter the box leaves out keeps its initial limits)."""
    rows = []
    for name in initial.columns:
        low, high = (box if name in box.columns else initial)[name].iloc[:2]
        if isinstance(low, set):  # a categorical parameter: the categories kept
            kept, every = sorted(low), sorted(initial[name].iloc[0])
            restricted = kept != every
            words = f"{name} is {' or '.join(kept)}" if restricted else f"{name} any of its values"
            rows.append(_row(name, None, None, ", ".join(kept), restricted, words, ranges))
            continue
        start, end = initial[name].iloc[0], initial[name].iloc[1]
        lowered, raised = high < end, low > start
        if lowered and raised:
            words = f"{name} between {_num(low)} and {_num(high)}"
        elif lowered:
            words = f"{name} below {_num(high)}"
        elif raised:
            words = f"{name} above {_num(low)}"
        else:
            words = f"{name} anywhere in its range"
        rows.append(_row(name, low, high, "", lowered or raised, words, ranges))
    return pd.DataFrame(rows)


def _row(name, low, high, categories, restricted, words, ranges) -> dict[str, Any]:
    span = ranges[name]
    shown = f"{_num(span[0])} to {_num(span[1])}" if isinstance(span, tuple) else ", ".join(span)
    return {
        "parameter": name,
        "low": low,
        "high": high,
        "categories": categories,
        "restricted": bool(restricted),
        "sweep_range": shown,
        "words": words,
        "meaning": meaning(name),
    }


def _leaves(tree: Any) -> pd.DataFrame:
    """CART's leaves: each one's coverage, density and mass, and its rule in words."""
    rows = []
    for i, (stats, box) in enumerate(zip(tree.stats, tree.boxes, strict=True)):
        rule = []
        for name in box.columns:
            low, high = box[name].iloc[0], box[name].iloc[1]
            if isinstance(low, set):
                rule.append(f"{name} in {{{', '.join(sorted(map(str, low)))}}}")
                continue
            lo, hi = tree.x[name].min(), tree.x[name].max()
            if low > lo:
                rule.append(f"{name} > {_num(low)}")
            if high < hi:
                rule.append(f"{name} <= {_num(high)}")
        rows.append(
            {
                "leaf": i,
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "rule": " and ".join(rule) or "everywhere",
            }
        )
    return pd.DataFrame(rows)


def _num(value: float) -> str:
    """A limit as it reads best: 3 significant digits."""
    return f"{float(value):.3g}"


def metrics_of(folder: SweepFolder) -> list[str]:
    """The per-run metrics a sweep folder's runs hold."""
    columns = pd.read_parquet(folder.runs_parquet).columns
    return [m for m in PER_RUN if m in columns]
