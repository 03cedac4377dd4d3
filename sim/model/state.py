"""The model's numeric state: one row per actor, one row per tie, equity stake and product.

Mechanisms read and write these arrays; Mesa agents are thin views onto actor rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..vocabulary import End, Kind, Strategy, TieType
from .arrays import large
from .money import Ledger
from .neighbours import Neighbours, moved_rows

if TYPE_CHECKING:
    from ..schema import Scenario


class Table:
    """Column arrays of equal length that grow by doubling; `n` rows are in use."""

    def __init__(self, columns: dict[str, tuple[np.dtype, tuple[int, ...], float]], capacity: int):
        self._spec = columns
        self.n = 0
        for name, (dtype, extra, fill) in columns.items():
            setattr(self, name, np.full((capacity, *extra), fill, dtype=dtype))

    @property
    def capacity(self) -> int:
        return len(getattr(self, next(iter(self._spec))))

    def add(self, count: int) -> np.ndarray:
        """Reserve `count` new rows (filled with defaults) and return their indices."""
        need = self.n + count
        if need > self.capacity:
            new_cap = max(need, 2 * self.capacity, 16)
            for name, (dtype, extra, fill) in self._spec.items():
                old = getattr(self, name)
                grown = np.full((new_cap, *extra), fill, dtype=dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
        rows = np.arange(self.n, need)
        self.n = need
        return rows

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the used rows where `mask` is true (compacts the table)."""
        kept = int(mask.sum())
        if kept == self.n:  # nothing leaves (most calls): no column need move
            return
        for name in self._spec:
            arr = getattr(self, name)
            arr[:kept] = arr[: self.n][mask]
            arr[kept : self.n] = self._spec[name][2]
        self.n = kept

    def __len__(self) -> int:
        return self.n


def actor_table(fields: int, capacity: int) -> Table:
    """Actors: kind, life, money, knowledge and the kind-specific columns."""
    f = (fields,)
    return Table(
        {
            "kind": (np.int8, (), -1),
            "alive": (np.bool_, (), False),
            "born": (np.int32, (), 0),
            "ended": (np.int32, (), -1),
            "end_reason": (np.int8, (), End.ALIVE),
            "capital": (np.float64, (), 0.0),
            "knowledge": (np.float64, f, 0.0),
            "ih": (np.bool_, f, False),
            "patent_expiry": (np.int32, f, 0),
            "max_partners": (np.int16, (), 0),
            "burn": (np.float64, (), 0.0),
            "rd_share": (np.float64, (), 0.0),
            "revenue": (np.float64, (), 0.0),
            "cost_base": (np.float64, (), -1.0),  # revenue its costs are set for (-1: unset)
            "peak_revenue": (np.float64, (), 0.0),  # a corporate's highest monthly sales
            "rd_budget": (np.float64, (), 0.0),
            "product_revenue": (np.float64, (), 0.0),
            "recent_value": (np.float64, (), 0.0),
            "rounds": (np.int16, (), 0),
            "fund_end": (np.int32, (), 0),
            "origin": (np.int8, (), 0),
            "parent": (np.int64, (), -1),
            "ipo_step": (np.int32, (), -1),
            "first_product": (np.int32, (), -1),  # month of its own first product launch
            "acquirer": (np.int64, (), -1),
            "format_until": (np.int32, (), -1),
            "accelerated_at": (np.int32, (), -1),  # month admitted to an accelerator (brokers.py)
            "strategy": (np.int8, (), Strategy.INNOVATION),
            "shared_gain": (np.float64, (), 1.0),  # R&D multiplier from sharing partners
            "community": (np.bool_, (), False),  # runs an idea community (users.py)
        },
        capacity,
    )


def tie_table(capacity: int) -> Table:
    """Partnerships a-b: each side's relational trust in the other, and its effective trust
    (relational mixed with structural), refreshed each step. A tie runs a joint R&D project
    while `project_until` >= the month; `funded` marks a project funded by a competitive call.
    `type` is a TieType (partnerships.py); a standard tie covers `field`; a sharing or standard
    tie's term runs to `until`."""
    return Table(
        {
            "id": (np.int64, (), -1),
            "a": (np.int64, (), -1),
            "b": (np.int64, (), -1),
            "trust_ab": (np.float64, (), 0.0),
            "trust_ba": (np.float64, (), 0.0),
            "formed": (np.int32, (), 0),
            "last_success": (np.int32, (), 0),
            "eff_ab": (np.float64, (), 0.0),
            "eff_ba": (np.float64, (), 0.0),
            "project_until": (np.int32, (), -1),
            "funded": (np.bool_, (), False),
            "type": (np.int8, (), TieType.JOINT_RD),  # what the partnership is for
            "field": (np.int16, (), -1),  # a standard tie's field (-1: none)
            "until": (np.int32, (), -1),  # last month of a sharing or standard term (-1: none)
        },
        capacity,
    )


def equity_table(capacity: int) -> Table:
    """Stakes: owner holds `stake` of startup `company`."""
    return Table(
        {
            "owner": (np.int64, (), -1),
            "company": (np.int64, (), -1),
            "stake": (np.float64, (), 0.0),
        },
        capacity,
    )


def product_table(capacity: int) -> Table:
    """Products: owner, field, monthly value, launch and end steps, imitation flag, the
    innovation they came from (-1 for an imitation), for a joint project's product the
    partner and its share of the revenue, and its installed base, last sales and pull."""
    return Table(
        {
            "owner": (np.int64, (), -1),
            "field": (np.int32, (), 0),
            "value": (np.float64, (), 0.0),
            "launch": (np.int32, (), 0),
            "end": (np.int32, (), 0),
            "imitation": (np.bool_, (), False),
            "innovation": (np.int64, (), -1),
            "partner": (np.int64, (), -1),
            "partner_share": (np.float64, (), 0.0),
            "standard": (
                np.bool_,
                (),
                False,
            ),  # its owner is in its field's standard (standards.py)
            "installed": (np.float64, (), 0.0),  # installed base, $M of sales (platforms.py)
            "sales": (np.float64, (), 0.0),  # revenue in the last market stage, $M/month
            "pull": (np.float64, (), 0.0),  # its pull on adopters in a platform field
        },
        capacity,
    )


def award_table(capacity: int) -> Table:
    """Call grants under way: `member` receives `monthly` $M of earmarked R&D money each month
    to `until` (calls.py)."""
    return Table(
        {
            "member": (np.int64, (), -1),
            "monthly": (np.float64, (), 0.0),
            "until": (np.int32, (), -1),
        },
        capacity,
    )


class State(Ledger):
    """All arrays of one model run (actors, ties, stakes, products, the public pool, the
    clock), the collaboration formats under way and the money ledger (money.py)."""

    def __init__(self, fields: int, capacity: int):
        self.fields = fields
        self.t = 0
        self.actors = actor_table(fields, capacity)
        self.ties = tie_table(4 * capacity)
        self.equity = equity_table(capacity)
        self.products = product_table(capacity)
        self.awards = award_table(capacity // 4)
        self.pool = np.zeros(fields)  # public knowledge, relative to the state of the art
        self.frontier = np.ones(fields)  # each field's state of the art (1 at the start)
        self.field_maturity = np.ones(fields)
        self.standard_base = np.zeros(fields)  # installed base of each field's standard
        self.engagement = np.zeros(fields)  # share of users engaged in idea communities
        self.idea_stock = np.zeros(fields)  # users' ideas waiting to be screened (users.py)
        self.open_ledger()  # sources, sinks and the journal when one is kept
        self.formats: list = []  # formats.RunningJam and RunningChallenge under way
        self.made = {"ties": 0, "innovations": 0}  # ids handed out so far
        # (key of the ties, their (id, a, b) then, their index)
        self._neighbours: tuple[tuple, tuple, Neighbours] | None = None

    # --- views ---------------------------------------------------------------------------
    def rows(self, kind: int | tuple[int, ...]) -> np.ndarray:
        """Indices of alive actors of one kind (or several)."""
        a = self.actors
        kinds = a.kind[: a.n]
        if isinstance(kind, tuple):
            wanted = np.zeros(len(Kind) + 1, dtype=bool)  # index -1: no kind
            wanted[list(kind)] = True
            match = wanted[kinds]
        else:
            match = kinds == int(kind)  # an IntEnum compares 4x slower than an int
        return np.flatnonzero(match & a.alive[: a.n])

    def neighbours(self) -> Neighbours:
        """The neighbour index of the current ties, built once per state of the ties: from
        the last index where ties only ended or began (a sort of the new ones only)."""
        t, n = self.ties, self.actors.n
        key = self._ties_key()
        last = self._neighbours
        if last is None or last[0] != key:
            ties = (t.id[: t.n].copy(), t.a[: t.n].copy(), t.b[: t.n].copy())
            moved = None if last is None or n < last[2].n else moved_rows(last[1], ties)
            if moved is None:
                index = Neighbours.of(n, ties[1], ties[2])
            else:
                index = last[2].renewed(n, ties[1], ties[2], moved)
            self._neighbours = (key, ties, index)
        return self._neighbours[2]

    def directed_tie(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per pair: k for the tie from x to y, k < m for tie k read a->b and m + k for tie k
        read b->a (m ties), or -1 where x and y are not tied."""
        return self.neighbours().tie(x, y)

    def _ties_key(self) -> tuple:
        """What identifies the current ties (for caches of structures built from them)."""
        n, t = self.actors.n, self.ties
        return (n, t.n, hash(t.a[: t.n].tobytes()), hash(t.b[: t.n].tobytes()))

    def degree(self) -> np.ndarray:
        """Number of partners of every actor row."""
        t = self.ties
        n = self.actors.n
        return np.bincount(t.a[: t.n], minlength=n) + np.bincount(t.b[: t.n], minlength=n)

    def ties_of(self, rows: np.ndarray) -> np.ndarray:
        """The tie rows with an end among actor `rows`."""
        mine, t = self.marks(rows), self.ties
        return np.flatnonzero(mine[t.a[: t.n]] | mine[t.b[: t.n]])

    def end(self, rows: np.ndarray, reason: End) -> None:
        """Actors leave (through finance.leave, which pays their cash to their owners first):
        a debt is written off against creditors; their ties and the stakes held in them go."""
        a = self.actors
        a.alive[rows] = False
        a.ended[rows] = self.t
        a.end_reason[rows] = reason
        self.write_off_debts(rows)
        gone = self.marks(rows)
        e = self.equity
        e.keep(~gone[e.company[: e.n]])
        t = self.ties
        t.keep(~(gone[t.a[: t.n]] | gone[t.b[: t.n]]))

    def new_ids(self, what: str, count: int) -> np.ndarray:
        """`count` fresh ids for ties or innovations (they number those of the run from 0)."""
        first = self.made[what]
        self.made[what] = first + count
        return np.arange(first, first + count)

    def marks(self, rows: np.ndarray) -> np.ndarray:
        """A boolean per actor row, true for `rows`: membership tests by indexing (np.isin
        sorts, which is slower for the many small sets of a step)."""
        marked = np.zeros(self.actors.n, dtype=bool)
        marked[rows] = True
        return marked

    def absorptive(self, rows: np.ndarray, kp, known: np.ndarray | None = None) -> np.ndarray:
        """Absorptive capacity in [0, 1) (Cohen & Levinthal 1990): grows with the receiver's
        mean knowledge and with its own R&D effort (`kp`: the scenario's knowledge section;
        `known`: the rows' knowledge, where the caller has gathered it already)."""
        m = (self.actors.knowledge[rows] if known is None else known).mean(axis=1)
        effort = self.learning_effort(rows, kp.learning_half)
        floor = kp.unfunded_absorption
        return m / (m + kp.absorptive_half) * (floor + (1 - floor) * effort)

    def learning_effort(self, rows: np.ndarray, half: float) -> np.ndarray:
        """How hard each actor learns this month, in [0, 1): its R&D budget (times what sharing
        partners add, `shared_gain`) over that + half."""
        rd = np.clip(self.actors.rd_budget[rows], 0, None) * self.actors.shared_gain[rows]
        return rd / (rd + half)

    def focus(self, rows: np.ndarray, off_focus: float) -> np.ndarray:
        """Per row and field: 1 on the innovation hypothesis, `off_focus` elsewhere."""
        return np.where(self.actors.ih[rows], 1.0, off_focus)

    def main_field(self, rows: np.ndarray) -> np.ndarray:
        """Each actor's strongest field within its innovation hypothesis."""
        a = self.actors
        k = np.where(a.ih[rows], a.knowledge[rows], -1.0)
        return k.argmax(axis=1)


def large_run(state: State, params: Scenario) -> bool:
    """arrays.large over every actor row: whether the stages over ties and projects
    (exchange, common partners, joint projects' learning) use their fused loops."""
    return large(state.actors.n, state.fields, params.steps)
