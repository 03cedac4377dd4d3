"""The simplest per-agent Mesa loop, the floor our model's speed is compared with (the
`naive_mesa` benchmark): each firm scores 20 random candidates by the cosine similarity of
their knowledge and learns from the most similar. Our model does far more work per agent, so
its ratio to this loop is a floor, not a like-for-like comparison.

    python benchmarks/naive_mesa.py AGENTS MONTHS    # prints agent-steps/s as JSON
"""

from __future__ import annotations

import json
import sys
import time

import mesa
import numpy as np


class Firm(mesa.Agent):
    def __init__(self, model: NaiveModel, fields: int):
        super().__init__(model)
        self.know = model.rng.random(fields)
        self.capital = 100.0

    def step(self) -> None:
        """Score 20 random candidates one by one, then move towards the most similar."""
        best, similarity = None, -1.0
        for other in self.model.random.sample(self.model.firms, 20):
            if other is self:
                continue
            s = float(
                np.dot(self.know, other.know)
                / (np.linalg.norm(self.know) * np.linalg.norm(other.know))
            )
            if s > similarity:
                best, similarity = other, s
        self.know += 0.05 * (best.know - self.know)
        self.capital += similarity - 0.5


class NaiveModel(mesa.Model):
    def __init__(self, agents: int, fields: int = 50, seed: int = 1):
        super().__init__(rng=seed)
        for _ in range(agents):
            Firm(self, fields)
        self.firms = list(self.agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def main(agents: int, months: int) -> dict:
    """Build, then time `months` steps: seconds and agent-steps per second."""
    model = NaiveModel(agents)
    start = time.perf_counter()
    for _ in range(months):
        model.step()
    elapsed = time.perf_counter() - start
    return {
        "agents": agents,
        "months": months,
        "steps_s": elapsed,
        "rate": agents * months / elapsed,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
