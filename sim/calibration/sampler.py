"""A pyabc sampler that runs on our backends (local processes, Dask, SLURM) and gives the same
particles whatever the number of workers: each particle of a generation is drawn by its own
chain, seeded from SeedSequence(root seed, generation, particle), that proposes and simulates
until one candidate is accepted (pyabc's MappingSampler, seeded). The SMC itself is pyabc's."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
from pyabc.population import Sample
from pyabc.sampler import Sampler

from ..experiment.execute import Mapper
from ..files import write_parquet
from .simulate import ERROR, SEED


@dataclass
class Chain:
    """One particle's chain: the candidates it simulated, the failures among them, and
    whether it ended accepted (not, when it reached its share of the evaluation budget)."""

    sample: Sample
    evaluations: int
    accepted: bool
    failures: list[dict[str, Any]] = field(default_factory=list)


def chain_seeds(root: int, t: int, n: int) -> list[int]:
    """The seeds of generation t's n chains (t = -1: the calibration sample from the prior)."""
    sequence = np.random.SeedSequence(root, spawn_key=(t + 1,))
    return [int(child.generate_state(1)[0]) for child in sequence.spawn(n)]


def run_chain(blob: bytes, cap: float, seed: int) -> Chain:
    """Propose and simulate until a candidate is accepted, at most `cap` times."""
    simulate_one, factory = cloudpickle.loads(blob)
    np.random.seed(seed)  # pyabc draws proposals with numpy's and Python's global generators
    random.seed(seed)
    chain = Chain(factory(), 0, False)
    while chain.evaluations < cap and not chain.accepted:
        particle = simulate_one()
        chain.evaluations += 1
        error = particle.sum_stat.pop(ERROR, None)
        if error is not None:
            seed_of = particle.sum_stat.get(SEED)
            chain.failures.append(dict(particle.parameter) | {SEED: seed_of, ERROR: error})
        chain.sample.append(particle)
        chain.accepted = particle.accepted
    return chain


class SeededSampler(Sampler):
    """Samples each generation as `population` seeded chains on a backend's mapper;
    `on_chain(t)` is called as each chain of generation t finishes (a progress bar); the
    failed candidates go to the Parquet file `failures`."""

    def __init__(
        self,
        mapper: Mapper,
        root: int,
        on_chain: Callable[[int], None],
        failures: Path | None = None,
    ):
        super().__init__()
        self.mapper = mapper
        self.root = root
        self.on_chain = on_chain
        self.failures = failures  # the failed candidates' table, rewritten after each generation

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ) -> Sample:
        blob = cloudpickle.dumps((simulate_one, self.sample_factory))
        cap = math.ceil(max_eval / n) if math.isfinite(max_eval) else math.inf
        seeds = chain_seeds(self.root, t, n)
        chains: list[Chain | None] = [None] * n
        for attempt in range(2):  # a chain whose worker died runs once more, with its seed
            todo = [i for i, chain in enumerate(chains) if chain is None]
            if not todo:
                break
            for k, result in self.mapper(partial(run_chain, blob, cap), [seeds[i] for i in todo]):
                if isinstance(result, BaseException):
                    if attempt:
                        raise RuntimeError(f"a worker failed twice on one chain: {result}")
                    continue
                chains[todo[k]] = result
                self.on_chain(t)
        sample = self._create_empty_sample()
        for chain in chains:
            sample += chain.sample
        self._record([row | {"generation": t} for chain in chains for row in chain.failures], t)
        self.nr_evaluations_ = sum(chain.evaluations for chain in chains)
        sample.ok = all(chain.accepted for chain in chains)
        return sample

    def _record(self, failures: list[dict[str, Any]], t: int) -> None:
        """Add generation t's failures to the table (replacing a killed attempt's)."""
        if self.failures is None or not (failures or self.failures.exists()):
            return
        table = pd.read_parquet(self.failures) if self.failures.exists() else pd.DataFrame()
        if len(table):
            table = table[table["generation"] != t]
        write_parquet(self.failures, pd.concat([table, pd.DataFrame(failures)], ignore_index=True))
