"""The five kinds of actor as Mesa agents: thin, readable views onto their rows in State."""

from __future__ import annotations

import mesa
import numpy as np


class Actor(mesa.Agent):
    """An actor of the ecosystem; its numbers live in `model.state.actors` at `row`."""

    kind = "actor"

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def capital(self) -> float:
        """Money held, $M."""
        return float(self.model.state.actors.capital[self.row])

    @property
    def knowledge(self) -> np.ndarray:
        """Knowledge level per technology field (a copy)."""
        return self.model.state.actors.knowledge[self.row].copy()

    @property
    def innovation_hypothesis(self) -> list[int]:
        """The fields this actor currently combines in its research."""
        return np.flatnonzero(self.model.state.actors.ih[self.row]).tolist()

    @property
    def partners(self) -> list[int]:
        """Rows of this actor's current partners."""
        t = self.model.state.ties
        a, b = t.a[: t.n], t.b[: t.n]
        return np.r_[b[a == self.row], a[b == self.row]].tolist()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} row={self.row} capital={self.capital:.2f}>"


class Startup(Actor):
    """Small capital, narrow deep knowledge, a burn rate; seeks VC, may be acquired or IPO."""

    kind = "startup"

    @property
    def runway(self) -> float:
        """Months until the money runs out at the current burn."""
        a = self.model.state.actors
        return float(a.capital[self.row] / a.burn[self.row])


class Corporate(Actor):
    """Large capital, broad knowledge, baseline revenue; researches, licenses, acquires."""

    kind = "corporate"


class University(Actor):
    """Public grants, broad high knowledge; publishes, licenses and spins off startups."""

    kind = "university"


class Investor(Actor):
    """A VC fund: dry powder (its capital), a portfolio limit and a fund life."""

    kind = "investor"

    @property
    def portfolio(self) -> list[int]:
        """Rows of the startups this fund holds stakes in."""
        e = self.model.state.equity
        return sorted(set(e.company[: e.n][e.owner[: e.n] == self.row].tolist()))


class Regulator(Actor):
    """Holds the public budget; pays grants and subsidies; approves products; reviews mergers."""

    kind = "regulator"


AGENT_CLASSES: tuple[type[Actor], ...] = (Startup, Corporate, University, Investor, Regulator)
