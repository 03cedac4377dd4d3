"""Agent-level records of a run (opt-in): actors, innovations, deals and ties.

The mechanisms hand a `Records` what happened each month as arrays (no per-agent Python
loops). A run that keeps records has a `Recorder`, whose `frames()` turns the collected chunks
into one table per record at the end; a run that keeps none has `NoRecords`, which ignores it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol, get_args

import numpy as np
import pandas as pd

from ..schema import RecordKind
from ..vocabulary import KINDS, End, IPStatus, Kind, Origin, Strategy, TieType
from .flows import Innovations, Launches, Protection
from .record_tables import Projects, deal_outcomes, knowledge_columns
from .state import State

RECORDS: tuple[str, ...] = get_args(RecordKind)
ROUNDS = np.array(["seed", "series A", "later"])


class Records(Protocol):
    """What the stages report during a run, for the agent-level records."""

    def ties_formed(self, state: State, rows: np.ndarray) -> None: ...
    def ties_ended(self, state: State, rows: np.ndarray, reason) -> None: ...
    def investments(self, state, investors, startups, rounds, amounts, pre, stakes) -> None: ...
    def exits(self, state, companies, prices, buyers, owner, company, amount, rest, event): ...
    def licences(self, state: State, payees: np.ndarray) -> None: ...
    def revenue(self, innovations: np.ndarray, amounts: np.ndarray) -> None: ...
    def innovations(self, state, made: Innovations, ip: Protection, out: Launches) -> None: ...
    def end_of_step(self, state: State) -> None: ...
    def frames(self, state: State, patent_term: int) -> dict[str, pd.DataFrame]: ...


class NoRecords:
    """The records of a run that keeps none: every report is ignored."""

    def _ignore(self, *args, **kwargs) -> None:
        return None

    ties_formed = ties_ended = investments = exits = licences = revenue = _ignore
    innovations = end_of_step = _ignore

    def frames(self, state: State, patent_term: int) -> dict[str, pd.DataFrame]:
        return {}


class Recorder:
    """Collects what the mechanisms report during a run."""

    def __init__(self, kinds: tuple[str, ...] | list[str]):
        self.kinds = tuple(kinds)
        self.chunks: defaultdict[str, list[dict[str, np.ndarray]]] = defaultdict(list)
        self.capital_peak = np.zeros(0)
        self.revenue_of = np.zeros(0)  # revenue earned so far, per innovation id
        self.birth_kind = np.zeros(0, dtype=np.int8)
        self.knowledge_end: np.ndarray | None = None  # per actor: its knowledge at its end
        self.projects = Projects()

    # --- what the mechanisms report -------------------------------------------------------
    def ties_formed(self, state: State, rows: np.ndarray) -> None:
        t = state.ties
        trust = (t.trust_ab[rows] + t.trust_ba[rows]) / 2
        self._add(
            "formed", id=t.id[rows], a=t.a[rows], b=t.b[rows], step=_at(state, rows), trust=trust
        )

    def ties_ended(self, state: State, rows: np.ndarray, reason) -> None:
        t = state.ties
        if "ties" in self.kinds:
            self.projects.note(state, rows, running=False)  # a project it started this month
        trust = (t.trust_ab[rows] + t.trust_ba[rows]) / 2
        reason = np.broadcast_to(np.asarray(reason, dtype=object), rows.shape)
        at = _at(state, rows)
        self._add("ended", id=t.id[rows], step=at, trust=trust, reason=reason, type=t.type[rows])

    def investments(self, state, investors, startups, rounds, amounts, pre, stakes) -> None:
        self._add(
            "deals",
            step=_at(state, startups),
            event=np.full(len(startups), "investment", dtype=object),
            startup=startups,
            owner=investors,
            round=ROUNDS[np.minimum(rounds, 2)],
            amount=amounts,
            pre_money=pre,
            stake=stakes,
            price=np.full(len(startups), np.nan),
            buyer=np.full(len(startups), -1),
        )

    def exits(
        self, state, companies, prices, buyers, owner, company, amount, founders, event=None
    ) -> None:
        """An exit's proceeds: one row per owner, and one for the founders (owner -1). The
        event is `event` if given (a "liquidation": a closing company pays out its cash), else
        an acquisition where there is a buyer and an IPO where there is none."""
        n = state.actors.n
        price_of, buyer_of = np.zeros(n), np.full(n, -1)
        price_of[companies], buyer_of[companies] = prices, buyers
        startup = np.r_[company, companies]
        proceeds = np.r_[amount, founders]
        price = price_of[startup]
        self._add(
            "deals",
            step=_at(state, startup),
            event=np.where(buyer_of[startup] >= 0, "acquisition", event or "ipo").astype(object),
            startup=startup,
            owner=np.r_[owner, np.full(len(companies), -1)],
            round=np.full(len(startup), np.nan, dtype=object),  # as a Parquet null reads back
            amount=proceeds,
            pre_money=np.full(len(startup), np.nan),
            stake=proceeds / np.maximum(price, 1e-12),
            price=price,
            buyer=buyer_of[startup],
        )

    def licences(self, state: State, payees: np.ndarray) -> None:
        self._add("licences", step=_at(state, payees), payee=payees)

    def revenue(self, innovations: np.ndarray, amounts: np.ndarray) -> None:
        own = innovations >= 0
        size = int(innovations.max(initial=-1)) + 1
        if size > len(self.revenue_of):
            self.revenue_of = np.r_[self.revenue_of, np.zeros(size - len(self.revenue_of))]
        self.revenue_of += np.bincount(innovations[own], amounts[own], len(self.revenue_of))

    def innovations(self, state, made: Innovations, ip: Protection, out: Launches) -> None:
        """This month's innovations, with their IP status and launch month."""
        if len(made):
            self._add(
                "innovations",
                id=made.id,
                step=_at(state, made.id),
                actor=made.actor,
                kind=made.kind,
                field=made.field,
                fields=_lists(made.ih),
                radical=made.radical,
                quality=made.quality,
                value=made.value,
                ip=ip.status,
                launch=out.step,
                partner=made.partner,
                partner_share=made.partner_share,
            )

    def end_of_step(self, state: State) -> None:
        """New actors' kinds at birth, every living actor's capital peak and knowledge, and
        the ties' joint projects."""
        self.track(state)
        if "ties" in self.kinds:
            self.projects.note(state, np.arange(state.ties.n), running=True)

    def track(self, state: State) -> None:
        """Note new actors' kinds at birth, every living actor's capital peak and, for the
        actors record, the knowledge of those alive or ended this month (knowledge is relative
        to a moving state of the art, so an ended actor's is kept as it was at its end)."""
        a = state.actors
        grown = a.n - len(self.capital_peak)
        if grown:
            self.capital_peak = np.r_[self.capital_peak, np.full(grown, -np.inf)]
            self.birth_kind = np.r_[self.birth_kind, a.kind[a.n - grown : a.n]]
        alive = a.alive[: a.n]
        self.capital_peak[alive] = np.maximum(self.capital_peak[alive], a.capital[: a.n][alive])
        if "actors" in self.kinds:
            known = self.knowledge_end
            if known is None or len(known) < a.n:
                self.knowledge_end = np.zeros((a.n, state.fields))
                if known is not None:
                    self.knowledge_end[: len(known)] = known
            now = alive | (a.ended[: a.n] == state.t)
            self.knowledge_end[now] = a.knowledge[: a.n][now]

    def _add(self, name: str, **columns) -> None:
        if len(next(iter(columns.values()))):
            self.chunks[name].append(columns)

    # --- the tables --------------------------------------------------------------------------
    def frames(self, state: State, patent_term: int) -> dict[str, pd.DataFrame]:
        """One table per requested record."""
        tables = {
            name: _table(self.chunks[name])
            for name in ("innovations", "deals", "formed", "ended", "licences")
        }
        made = {
            "innovations": lambda: self._innovations(tables, patent_term),
            "deals": lambda: deal_outcomes(state, tables["deals"]),
            "ties": lambda: self._ties(state, tables),
            "actors": lambda: self._actors(state, tables),
        }
        return {name: made[name]() for name in self.kinds}

    def _innovations(self, tables, patent_term: int) -> pd.DataFrame:
        inn = tables["innovations"]
        if inn.empty:
            return inn
        out = inn.assign(kind=np.take(KINDS, inn["kind"]))
        out["ip"] = np.take(IPStatus.labels(), inn["ip"]).astype(str)
        out["launch"] = inn["launch"].where(inn["launch"] >= 0)
        revenue = np.r_[
            self.revenue_of, np.zeros(max(0, int(inn["id"].max()) + 1 - len(self.revenue_of)))
        ]
        out["revenue"] = revenue[inn["id"]]
        out["licensed"] = _licensed(out, tables["licences"], patent_term)
        return out

    def _ties(self, state: State, tables) -> pd.DataFrame:
        formed, ended = tables["formed"], tables["ended"]
        if formed.empty:
            return formed
        t = state.ties
        alive = pd.DataFrame(
            {
                "id": t.id[: t.n],
                "step": np.nan,
                "trust": (t.trust_ab[: t.n] + t.trust_ba[: t.n]) / 2,
                "reason": "alive at end",
                "type": t.type[: t.n],
            }
        )
        ends = pd.concat([ended, alive], ignore_index=True).set_index("id")
        out = formed.rename(columns={"step": "formed", "trust": "trust_start"}).join(
            ends.rename(columns={"step": "ended", "trust": "trust_end"}), on="id"
        )
        out.insert(3, "kind_a", np.take(KINDS, self.birth_kind[out["a"]]))
        out.insert(4, "kind_b", np.take(KINDS, self.birth_kind[out["b"]]))
        out["type"] = np.take(TieType.labels(), out["type"].astype(int)).astype(str)  # at its end
        return self.projects.columns(out, tables["innovations"])

    def _actors(self, state: State, tables) -> pd.DataFrame:
        a = state.actors
        n = a.n
        rows = np.arange(n)
        inn, deals, formed = tables["innovations"], tables["deals"], tables["formed"]

        def per_actor(values: pd.Series | np.ndarray, weights=None) -> np.ndarray:
            return np.bincount(np.asarray(values, dtype=np.int64), weights, minlength=n)[:n]

        innovations = per_actor(inn["actor"]) if len(inn) else np.zeros(n)
        patents = (
            per_actor(inn["actor"][inn["ip"] == IPStatus.PATENTED]) if len(inn) else np.zeros(n)
        )
        partners = (per_actor(formed["a"]) + per_actor(formed["b"])) if len(formed) else np.zeros(n)
        invest = deals[deals["event"] == "investment"] if len(deals) else deals
        funding = per_actor(invest["startup"], invest["amount"]) if len(invest) else np.zeros(n)
        end = np.where(a.ipo_step[:n] >= 0, "ipo", np.take(End.labels(), a.end_reason[:n]))
        end = np.where(a.alive[:n] & (a.ipo_step[:n] < 0), "alive at end", end)
        return pd.DataFrame(
            {
                "actor": rows,
                "kind": np.take(KINDS, self.birth_kind[:n]),
                "kind_at_end": np.take(KINDS, a.kind[:n]),
                "strategy": np.take(Strategy.labels(), a.strategy[:n]),
                "origin": np.take(Origin.labels(), a.origin[:n]),
                "parent": a.parent[:n],
                "born": a.born[:n],
                "ended": pd.Series(a.ended[:n]).where(a.ended[:n] >= 0),
                "end": end,
                "acquirer": a.acquirer[:n],
                "ipo_step": pd.Series(a.ipo_step[:n]).where(a.ipo_step[:n] >= 0),
                "capital_end": a.capital[:n],
                "capital_peak": self.capital_peak[:n],
                "innovations": innovations.astype(int),
                "patents": patents.astype(int),
                "partners_ever": partners.astype(int),
                "funding_raised": funding,
                "startup_at_birth": self.birth_kind[:n] == Kind.STARTUP,
                "first_product": pd.Series(a.first_product[:n]).where(a.first_product[:n] >= 0),
                **knowledge_columns(self.knowledge_end[:n]),
            }
        )


def _at(state: State, rows) -> np.ndarray:
    return np.full(len(rows), state.t, dtype=np.int32)


def _lists(flags: np.ndarray) -> np.ndarray:
    """Per row of booleans, the indices that are true (an object array of int arrays)."""
    out = np.empty(len(flags), dtype=object)
    out[:] = [np.flatnonzero(row) for row in flags]
    return out


def _table(chunks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    if not chunks:
        return pd.DataFrame()
    return pd.DataFrame({k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]})


def _licensed(inn: pd.DataFrame, licences: pd.DataFrame, term: int) -> np.ndarray:
    """A patented innovation counts as licensed when its owner was paid a licence fee while
    the patent was in force."""
    if licences.empty:
        return np.zeros(len(inn), dtype=bool)
    paid = licences.drop_duplicates().sort_values(["payee", "step"])
    key = paid["payee"].to_numpy() * 1_000_000 + paid["step"].to_numpy()
    start = inn["actor"].to_numpy() * 1_000_000 + inn["step"].to_numpy()
    first = np.searchsorted(key, start)
    hit = first < len(key)
    nxt = np.where(hit, key[np.minimum(first, len(key) - 1)], -1)
    within = hit & (nxt // 1_000_000 == inn["actor"].to_numpy()) & (nxt - start < term)
    return within & (inn["ip"].to_numpy() == "patented")
