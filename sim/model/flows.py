"""The typed values one stage of the month hands to later ones (see EcosystemModel.step)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Innovations:
    """This month's innovations, one entry each (research's output)."""

    id: np.ndarray  # numbered from 0 over the run
    actor: np.ndarray  # the innovator's row
    kind: np.ndarray  # the innovator's kind (a Kind code)
    field: np.ndarray  # the innovator's strongest field within its IH
    ih: np.ndarray  # innovations x fields: the IH it came from
    quality: np.ndarray  # mean knowledge on that IH
    value: np.ndarray  # monthly value of the product it can become
    radical: np.ndarray  # from a radical research move
    partner: np.ndarray  # a joint project's other partner's row, -1 for solo research
    partner_share: np.ndarray  # the partner's share of the revenue (0 for solo research)

    def __len__(self) -> int:
        return len(self.actor)


@dataclass(frozen=True)
class Protection:
    """What the innovators did with this month's innovations (the IP stage's output)."""

    status: np.ndarray  # an IPStatus code per innovation
    spinoff_parents: np.ndarray  # universities whose result founds a startup this month


@dataclass(frozen=True)
class Launches:
    """When each innovation reaches the market (the market stage's output)."""

    step: np.ndarray  # the launch month per innovation, -1 for none (universities' results)
