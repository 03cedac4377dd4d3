"""One BLAS thread while the model steps. Its products are of at most a few million numbers,
which threads do not speed up: a second OpenBLAS thread only spins on the other core (+50% CPU
at 100,000 actors, for the same or a longer month), and a threaded dot product sums in another
order (that of the capital Gini over a million values differs in its last bits from one
thread's): the sweeps' workers have one thread, and a run must give what they give."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TypeVar

from threadpoolctl import ThreadpoolController

Step = TypeVar("Step", bound=Callable)


@cache
def _blas() -> ThreadpoolController:
    """The BLAS libraries loaded (numpy's), found once: it takes a millisecond."""
    return ThreadpoolController().select(user_api="blas")


def one_blas_thread(step: Step) -> Step:
    """`step` run with BLAS limited to one thread (8 microseconds a call), then as before."""

    @wraps(step)
    def limited(*args, **kwargs):
        with _blas().limit(limits=1):
            return step(*args, **kwargs)

    return limited  # type: ignore[return-value]
