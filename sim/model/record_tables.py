"""Columns of the agent-level records beyond the month-by-month events (see records.py):
joint projects per tie, each deal's outcome and multiple, each actor's knowledge at its end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..vocabulary import End
from .state import State

HELD = "held"  # the outcome of a deal whose startup is still private at the end of the run


class Projects:
    """Joint R&D projects per tie id, noted at the end of each month (and when a tie ends):
    a project starts when a tie's `project_until` moves later."""

    def __init__(self):
        self.until = np.zeros(0, dtype=np.int64)  # the latest project_until seen
        self.started = np.zeros(0, dtype=np.int64)
        self.funded = np.zeros(0, dtype=np.int64)
        self.first = np.zeros(0, dtype=np.int64)  # month the first project started, -1: none
        self.months = np.zeros(0, dtype=np.int64)  # months at whose end a project ran

    def note(self, state: State, rows: np.ndarray, running: bool) -> None:
        """Projects started on tie `rows` since last noted; with `running`, count the month."""
        t = state.ties
        self._grow(state.made["ties"])
        ids, until = t.id[rows], t.project_until[rows]
        new = until > self.until[ids]
        self.started[ids[new]] += 1
        self.funded[ids[new & t.funded[rows]]] += 1
        first = ids[new & (self.first[ids] < 0)]
        self.first[first] = state.t
        self.until[ids] = np.maximum(self.until[ids], until)
        if running:
            self.months[ids[until >= state.t]] += 1

    def columns(self, ties: pd.DataFrame, innovations: pd.DataFrame) -> pd.DataFrame:
        """The ties record with each tie's projects and its joint innovations."""
        ids = ties["id"].to_numpy()
        self._grow(int(ids.max()) + 1)
        first = self.first[ids]
        return ties.assign(
            projects=self.started[ids],
            funded_projects=self.funded[ids],
            first_project=np.where(first >= 0, first, np.nan),
            project_months=self.months[ids],
            joint_innovations=joint_innovations(ties, innovations),
        )

    def _grow(self, size: int) -> None:
        extra = size - len(self.until)
        if extra > 0:
            self.until = np.r_[self.until, np.full(extra, -1)]
            self.first = np.r_[self.first, np.full(extra, -1)]
            self.started, self.funded, self.months = (
                np.r_[x, np.zeros(extra, dtype=np.int64)]
                for x in (self.started, self.funded, self.months)
            )


def joint_innovations(ties: pd.DataFrame, innovations: pd.DataFrame) -> np.ndarray:
    """Per tie: the innovations of joint projects between its two actors while it lasted (a
    pair tied twice in one month credits the newer tie)."""
    if innovations.empty or "partner" not in innovations:
        return np.zeros(len(ties), dtype=np.int64)
    joint = innovations[innovations["partner"] >= 0]
    made = pd.DataFrame(
        {
            "innovation": joint["id"],
            "pair": _pair(joint["actor"], joint["partner"]),
            "step": joint["step"],
        }
    )
    spans = pd.DataFrame(
        {
            "id": ties["id"],
            "pair": _pair(ties["a"], ties["b"]),
            "formed": ties["formed"],
            "ended": ties["ended"].fillna(np.inf),
        }
    )
    both = made.merge(spans, on="pair")
    both = both[(both["formed"] <= both["step"]) & (both["step"] <= both["ended"])]
    both = both.sort_values("formed", kind="stable").drop_duplicates("innovation", keep="last")
    return both.groupby("id").size().reindex(ties["id"], fill_value=0).to_numpy()


def _pair(x: pd.Series, y: pd.Series) -> np.ndarray:
    """One key per unordered pair of actor rows."""
    x, y = x.to_numpy(dtype=np.int64), y.to_numpy(dtype=np.int64)
    return np.minimum(x, y) * (1 << 32) + np.maximum(x, y)


def deal_outcomes(state: State, deals: pd.DataFrame) -> pd.DataFrame:
    """The deals record with each row's startup outcome and its month and, per investment,
    the investor's exit proceeds from that startup shared over its rounds in proportion to
    the stake each round still held at the exit, and the multiple (proceeds / amount). A
    deal still held at the end has neither."""
    if deals.empty:
        return deals
    a = state.actors
    s = deals["startup"].to_numpy()
    ipo = a.ipo_step[s] >= 0
    alive = a.end_reason[s] == End.ALIVE
    outcome = np.where(ipo, "ipo", np.where(alive, HELD, np.take(End.labels(), a.end_reason[s])))
    when = np.where(ipo, a.ipo_step[s], np.where(alive, -1, a.ended[s]))
    out = deals.assign(outcome=outcome, outcome_step=np.where(when >= 0, when, np.nan))
    invest = out["event"] == "investment"
    proceeds = _proceeds(out[invest], out[~invest & (out["owner"] >= 0)])
    out["proceeds"] = proceeds.reindex(out.index).where(out["outcome"] != HELD)
    out["multiple"] = out["proceeds"] / out["amount"]
    return out


def _proceeds(invest: pd.DataFrame, exits: pd.DataFrame) -> pd.Series:
    """Per investment: its share of what its investor got from the startup at exits. A round
    buys `stake`; each later round in the startup dilutes it by (1 - that round's stake)."""
    inv = invest.sort_values(["startup", "step"], kind="stable")
    keep = np.log1p(-inv["stake"].clip(upper=1 - 1e-12))
    by_startup = keep.groupby(inv["startup"])
    held = inv["stake"] * np.exp(by_startup.transform("sum") - by_startup.cumsum())
    position = [inv["owner"], inv["startup"]]
    weight = held / held.groupby(position).transform("sum")
    got = exits.groupby(["owner", "startup"])["amount"].sum()
    got = got.reindex(pd.MultiIndex.from_arrays(position), fill_value=0.0).to_numpy()
    return pd.Series(got * weight.to_numpy(), index=inv.index)


def knowledge_columns(knowledge: np.ndarray) -> dict[str, np.ndarray]:
    """Each actor's mean knowledge and its knowledge per field (`knowledge_0`, ...)."""
    fields = {f"knowledge_{f}": knowledge[:, f] for f in range(knowledge.shape[1])}
    return {"knowledge": knowledge.mean(axis=1), **fields}
