"""Snapshots of the partnership network for Gephi and networkx (GEXF or GraphML)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np

from ..files import atomic_write
from ..vocabulary import KINDS, TieType
from .state import State

WRITERS = {"gexf": nx.write_gexf, "graphml": nx.write_graphml}


def graph(state: State) -> nx.Graph:
    """The living actors (kind, capital) and their ties (trust: the mean of both sides; type:
    the partnership type's label)."""
    a, t = state.actors, state.ties
    rows = np.flatnonzero(a.alive[: a.n])
    g = nx.Graph(month=int(state.t))
    kinds = np.take(KINDS, a.kind[rows]).tolist()
    capital = a.capital[rows].tolist()
    g.add_nodes_from(
        (row, {"kind": kind, "capital": cap})
        for row, kind, cap in zip(rows.tolist(), kinds, capital, strict=True)
    )
    trust = ((t.trust_ab[: t.n] + t.trust_ba[: t.n]) / 2).tolist()
    types = np.take(TieType.labels(), t.type[: t.n]).tolist()
    ends = zip(t.a[: t.n].tolist(), t.b[: t.n].tolist(), trust, types, strict=True)
    g.add_edges_from((x, y, {"trust": w, "type": kind}) for x, y, w, kind in ends)
    return g


def export(state: State, folder: Path, fmt: str) -> Path:
    """Write this month's network as `folder/month-NNNN.<fmt>`, atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"month-{state.t:04d}.{fmt}"
    return atomic_write(path, lambda p: WRITERS[fmt](graph(state), p))
