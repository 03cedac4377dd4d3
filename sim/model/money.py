"""The money ledger of a run: every movement is a payer-to-payee transfer or an explicit,
named source (money entering from outside) or sink (money leaving), and an optional journal
records each movement (tests switch it on; runs keep none, for speed)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from ..vocabulary import Kind

OUTSIDE = -1  # the payer of a source's money, the payee of a sink's


class Journal:
    """Every money movement since it was switched on: month, payer, payee (OUTSIDE for a
    source or a sink), amount and purpose (the source's or sink's name, or the transfer's)."""

    def __init__(self) -> None:
        self._chunks: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, str]] = []

    def add(self, t: int, payers, payees, amounts, purpose: str) -> None:
        amounts = np.asarray(amounts, dtype=float).ravel()
        if len(amounts):
            shape = amounts.shape
            payers = np.broadcast_to(np.asarray(payers, dtype=np.int64), shape).copy()
            payees = np.broadcast_to(np.asarray(payees, dtype=np.int64), shape).copy()
            self._chunks.append((t, payers, payees, amounts.copy(), purpose))

    def frame(self) -> pd.DataFrame:
        """One row per movement: step, payer, payee, amount, purpose."""
        if not self._chunks:
            return pd.DataFrame(columns=["step", "payer", "payee", "amount", "purpose"])
        sizes = [len(c[3]) for c in self._chunks]
        return pd.DataFrame(
            {
                "step": np.repeat([c[0] for c in self._chunks], sizes),
                "payer": np.concatenate([c[1] for c in self._chunks]),
                "payee": np.concatenate([c[2] for c in self._chunks]),
                "amount": np.concatenate([c[3] for c in self._chunks]),
                "purpose": np.repeat([c[4] for c in self._chunks], sizes),
            }
        )


class Ledger:
    """The money methods of `State` (which provides `actors`, `equity`, `rows` and `t`):
    sources and sinks booked by name, and the journal when one is kept."""

    actors: Any
    equity: Any
    t: int

    def open_ledger(self) -> None:
        self.sources: defaultdict[str, float] = defaultdict(float)
        self.sinks: defaultdict[str, float] = defaultdict(float)
        self.journal: Journal | None = None

    def keep_journal(self) -> Journal:
        """Record every movement from now on (tests; it slows a run)."""
        self.journal = Journal()
        return self.journal

    def earn(self, rows: np.ndarray, amounts: np.ndarray | float, source: str) -> None:
        """Money entering the system from outside (sales, public allocation, founders)."""
        amounts = np.broadcast_to(np.asarray(amounts, dtype=float), np.shape(rows))
        self._add_capital(rows, amounts)
        self.sources[source] += float(amounts.sum())
        if self.journal is not None:
            self.journal.add(self.t, OUTSIDE, rows, amounts, source)

    def spend(self, rows: np.ndarray, amounts: np.ndarray | float, sink: str) -> None:
        """Money leaving the system (costs, R&D, payouts to founders)."""
        amounts = np.broadcast_to(np.asarray(amounts, dtype=float), np.shape(rows))
        self._add_capital(rows, -amounts)
        self.sinks[sink] += float(amounts.sum())
        if self.journal is not None:
            self.journal.add(self.t, rows, OUTSIDE, amounts, sink)

    def spend_within(self, rows: np.ndarray, amounts: np.ndarray, sink: str) -> np.ndarray:
        """Spend what each of `rows` (distinct) can: at most the cash it holds; returns the
        amounts paid. Who pays less than it owes cannot go on (its creditors get no more)."""
        paid = np.minimum(amounts, np.clip(self.actors.capital[rows], 0, None))
        self.spend(rows, paid, sink)
        return paid

    def transfer(
        self, payers: np.ndarray, payees: np.ndarray, amounts: np.ndarray, purpose="transfer"
    ) -> None:
        """Money moving between actors; the total is unchanged."""
        amounts = np.broadcast_to(np.asarray(amounts, dtype=float), np.shape(payees))
        self._add_capital(payers, -amounts)
        self._add_capital(payees, amounts)
        if self.journal is not None:
            self.journal.add(self.t, payers, payees, amounts, purpose)

    def pay_jointly(
        self,
        payers: np.ndarray,
        weights: np.ndarray,
        payees: np.ndarray,
        amounts: np.ndarray,
        purpose: str = "transfer",
    ) -> None:
        """`payers` together pay `amounts` to `payees` (distinct rows), each payer its
        `weights` share of the total; the total is unchanged."""
        share = weights / weights.sum()
        self._add_capital(payers, -float(amounts.sum()) * share)
        self._add_capital(payees, amounts)
        if self.journal is not None:
            each = np.outer(share, amounts)  # payer i pays share_i of every payee's amount
            pairs = np.meshgrid(payers, payees, indexing="ij")
            self.journal.add(self.t, pairs[0].ravel(), pairs[1].ravel(), each.ravel(), purpose)

    def to_public(self, payers: np.ndarray, amounts: np.ndarray, sink: str) -> None:
        """Money owed to the public purse: paid to the first regulator or, with none, out of
        the system (booked as `sink`)."""
        regs = self.rows(Kind.REGULATOR)
        if len(regs):
            self.transfer(payers, np.full(len(payers), regs[0]), amounts, sink)
        else:
            self.spend(payers, amounts, sink)

    def write_off_debts(self, rows: np.ndarray) -> None:
        """Leaving actors' debts are borne by their outside creditors (booked source
        `creditor_losses`); their cash must have been paid out first (finance.leave)."""
        debt = rows[self.actors.capital[rows] < 0]
        self.earn(debt, -self.actors.capital[debt], "creditor_losses")

    def _add_capital(self, rows: np.ndarray, amounts: np.ndarray) -> None:
        """capital[rows] += amounts, rows may repeat (np.bincount: faster than np.add.at)."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        if len(rows) == 0:
            return
        n = self.actors.n
        self.actors.capital[:n] += np.bincount(rows, weights=np.ravel(amounts), minlength=n)
