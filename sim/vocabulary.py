"""The words every layer shares: actor kinds, strategies, origins, ends and IP status.

Each is an integer code kept in the model's arrays, with the word used in files and pages.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, get_args

import numpy as np


class Term(IntEnum):
    """An integer code stored in numpy arrays, with the word (`label`) shown for it."""

    label: str

    def __new__(cls, value: int, label: str):
        member = int.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> np.ndarray:
        """The words, indexed by code (for np.take over an array of codes)."""
        return np.array([member.label for member in cls], dtype=object)


class Kind(Term):
    """What an actor is."""

    STARTUP = 0, "startup"
    CORPORATE = 1, "corporate"
    UNIVERSITY = 2, "university"
    INVESTOR = 3, "investor"
    REGULATOR = 4, "regulator"


class Strategy(Term):
    """How an actor networks: for innovation (diverse partners, patient) or for resources."""

    INNOVATION = 0, "innovation"
    RESOURCES = 1, "resources"


class Origin(Term):
    """How an actor entered; `parent` holds the university or the copied startup."""

    INITIAL = 0, "initial"
    EXOGENOUS = 1, "entry"
    COPY = 2, "copy"
    SPINOFF = 3, "spin-off"


class End(Term):
    """Why an actor's row ended; an IPO turns a startup into a corporate instead."""

    ALIVE = 0, "alive at end"
    FAILED = 1, "failed"
    ACQUIRED = 2, "acquired"
    EXITED = 3, "exited"
    CLOSED = 4, "closed"  # a startup whose founders gave up (lifecycle.closures)


class TieType(Term):
    """What a partnership is for (partnerships.py): research together, share data and
    resources, or agree on a field's standard."""

    JOINT_RD = 0, "joint R&D"
    SHARING = 1, "sharing"
    STANDARD = 2, "standard"


class IPStatus(Term):
    """What an innovator did with an innovation."""

    SECRET = 0, "secret"
    PATENTED = 1, "patented"
    PUBLISHED = 2, "published"


KindName = Literal["startup", "corporate", "university", "investor", "regulator"]  # for pydantic
KINDS: tuple[str, ...] = tuple(kind.label for kind in Kind)
assert get_args(KindName) == KINDS, "KindName must list Kind's labels in order"
RESEARCHERS = (Kind.STARTUP, Kind.CORPORATE, Kind.UNIVERSITY)
FIRMS = (Kind.STARTUP, Kind.CORPORATE)
