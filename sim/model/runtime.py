"""How the process runs while the model steps: one BLAS thread, and few garbage collections.

Its products are of at most a few million numbers, which threads do not speed up: a second
OpenBLAS thread only spins on the other core (+50% CPU at 100,000 actors, for the same or a
longer month), and a threaded dot product sums in another order (that of the capital Gini over
a million values differs in its last bits from one thread's): the sweeps' workers have one
thread, and a run must give what they give.

The cyclic garbage collector passed over the young objects every 700 allocations, and now and
then over every object: at 100,000 actors, over the Mesa agents, 8% of a month. A step makes
no reference cycles worth collecting sooner, so within one it passes every 100,000.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, wraps
from typing import TypeVar

from threadpoolctl import ThreadpoolController

Step = TypeVar("Step", bound=Callable)
YOUNG = 100_000  # allocations between passes over the young objects, within a step


@cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries loaded (numpy's), found once: it takes a millisecond."""
    return ThreadpoolController().select(user_api="blas")


@contextmanager
def few_collections() -> Iterator[None]:
    """The garbage collector's first threshold at YOUNG, then as before (0, which turns
    collection off, stays 0)."""
    saved = gc.get_threshold()
    gc.set_threshold(max(YOUNG, saved[0]) if saved[0] else 0, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def stepping(step: Step) -> Step:
    """`step` run with one BLAS thread and few collections (10 microseconds a call), then the
    process as before."""

    @wraps(step)
    def limited(*args, **kwargs):
        with _blas().limit(limits=1), few_collections():
            return step(*args, **kwargs)

    return limited  # type: ignore[return-value]
