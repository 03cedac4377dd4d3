"""The scenario schema: every parameter the model reads, its default, unit and allowed range.

Money is in $M, time in steps (one step = one month). This package is the reference for
scenario authors; docs/ODD.md explains what each parameter does in the model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .actors import Entry, Population
from .base import Section
from .brokers import Brokers
from .calls import Calls
from .claims import Claim
from .events import Challenge, Event, Jam
from .lifecycle import Lifecycle
from .mechanisms import (
    IP,
    IP_PRESETS,
    TRUST_PRESETS,
    Finance,
    Governance,
    Knowledge,
    Market,
    Partnering,
    Trust,
)
from .partnerships import Partnerships
from .platforms import Platforms
from .projects import Projects
from .users import Users

__all__ = [
    "IP",
    "IP_PRESETS",
    "TRUST_PRESETS",
    "Challenge",
    "Claim",
    "Governance",
    "Jam",
    "RecordKind",
    "Scenario",
    "Section",
    "Trust",
]

RecordKind = Literal["actors", "innovations", "deals", "ties"]  # agent-level records (records.py)


class Scenario(Section):
    """A complete scenario: what a YAML file under scenarios/ describes."""

    name: str = Field("scenario", min_length=1, description="short name used in outputs")
    description: str = Field("", description="one or two sentences for reports")
    seed: int = Field(42, ge=0, strict=True, description="root seed for numpy's SeedSequence")
    steps: int = Field(120, ge=1, le=100_000, description="months to simulate")
    fields: int = Field(16, ge=2, le=1024, description="technology fields F")
    population: Population = Population()
    knowledge: Knowledge = Knowledge()
    partnering: Partnering = Partnering()
    projects: Projects = Projects()
    partnerships: Partnerships = Partnerships()
    trust: Trust = Trust()
    ip: IP = IP()
    governance: Governance = Governance()
    calls: Calls = Calls()
    brokers: Brokers = Brokers()
    finance: Finance = Finance()
    market: Market = Market()
    platforms: Platforms = Platforms()
    lifecycle: Lifecycle = Lifecycle()
    entry: Entry = Entry()
    users: Users = Users()
    events: list[Event] = Field([], description="timed what-if changes")
    record: list[RecordKind] = Field(
        [], description="agent-level records to keep (sim/model/records.py); none by default"
    )
    claims: list[Claim] = Field(
        [], description="what a what-if claims it moves (`ecosim claims`); the model never reads it"
    )

    @model_validator(mode="after")
    def _fit_fields(self):
        demand = self.market.demand
        if isinstance(demand, list) and len(demand) != self.fields:
            raise ValueError(
                f"market.demand: got {len(demand)} values; needs {self.fields} (one per field)"
            )
        if isinstance(demand, float) and demand < 0:
            raise ValueError("market.demand: must be >= 0")
        bad = [f for f in self.governance.regulated_fields if f >= self.fields]
        if bad:
            raise ValueError(
                f"governance.regulated_fields: got {bad}; fields run from 0 to {self.fields - 1}"
            )
        bad = [f for f in self.platforms.fields if f >= self.fields]
        if bad:
            raise ValueError(f"platforms.fields: got {bad}; fields run from 0 to {self.fields - 1}")
        calls = self.calls
        if max(calls.fields, default=0) >= self.fields or calls.field_count > self.fields:
            raise ValueError(
                f"calls.fields, calls.field_count: must fit fields 0 to {self.fields - 1}"
            )
        for i, event in enumerate(self.events):
            if event.challenge and event.challenge.fields > self.fields:
                raise ValueError(
                    f"events[{i}].challenge.fields: got {event.challenge.fields}; "
                    f"must be <= fields={self.fields}"
                )
            if event.jam and event.jam.fields > self.fields:
                raise ValueError(
                    f"events[{i}].jam.fields: got {event.jam.fields}; "
                    f"must be <= fields={self.fields}"
                )
        if self.knowledge.ih_size[1] > self.fields:
            raise ValueError(
                f"knowledge.ih_size: got high {self.knowledge.ih_size[1]}; "
                f"must be <= fields={self.fields}"
            )
        return self

    def demand_vector(self) -> list[float]:
        """Demand per field as a list of length F."""
        demand = self.market.demand
        return list(demand) if isinstance(demand, list) else [float(demand)] * self.fields
