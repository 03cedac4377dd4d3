"""Partnership types: joint R&D, data and resource sharing, standards consortia (each with its
cost, duration, trust needed and IP rule), and the weights with which a new tie picks one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import MONTHS, NonNeg, Section, Share


class JointRD(Section):
    """A joint R&D partnership: its projects follow `projects` (duration `projects.duration`,
    IP rule `projects.split`)."""

    weight: NonNeg = Field(
        1.0,
        description="type-choice weight of joint R&D, times its fit: two researchers, more so "
        "with overlapping innovation hypotheses (fully with a university)",
    )
    cost: NonNeg = Field(0.002, description="$M/month each partner pays to run the partnership")
    trust_needed: Share = Field(
        0.15,
        description="joint R&D is chosen only if trust in a new partner is at least this, and "
        "the tie ends when either side's effective trust falls below it",
    )


class Sharing(Section):
    """Data and resource sharing: partners' R&D money goes further, at a risk of leakage."""

    weight: NonNeg = Field(
        2.0,
        description="type-choice weight of sharing, times its fit between two firms: what one "
        "lacks that the other has (R&D capacity, knowledge on its IH), twice for a resource "
        "seeker",
    )
    cost: NonNeg = Field(0.004, description="$M/month each partner pays to run the partnership")
    duration: int = Field(36, ge=1, le=MONTHS, description="months a sharing agreement runs")
    trust_needed: Share = Field(
        0.3,
        description="sharing is chosen only if trust in a new partner is at least this, and the "
        "tie ends when either side's effective trust falls below it",
    )
    gain: float = Field(
        0.5,
        ge=0,
        le=10,
        description="a sharer's R&D budget counts (1 + gain * c / (c + 1)) times for learning, "
        "absorption and its own research's innovation chance, c its sharing partners' summed "
        "R&D capacity (0-1 each)",
    )
    ip_rule: Literal["open", "fenced"] = Field(
        "open",
        description="open: shared data carry patented knowledge, which leaks to the partner; "
        "fenced: patented fields are kept out (no leak)",
    )
    leakage: Share = Field(
        0.02,
        description="share of the gap on a partner's patented fields a sharer absorbs a month "
        "(times absorptive capacity), licence-free, under the open rule",
    )


class Standard(Section):
    """A standards consortium: two firms selling in one field agree on its standard."""

    weight: NonNeg = Field(
        0.1,
        description="type-choice weight of a standard, times its fit: two firms with products "
        "in a common field, times (1 + bandwagon * that field's installed base)",
    )
    cost: NonNeg = Field(0.005, description="$M/month each member pays to the consortium")
    duration: int = Field(
        48, ge=1, le=MONTHS, description="months a membership runs before it is renewed or ends"
    )
    trust_needed: Share = Field(
        0.1,
        description="a standard is chosen only if trust in a new partner is at least this, and "
        "the tie ends when either side's effective trust falls below it",
    )
    ip_rule: Literal["pooled", "licensed"] = Field(
        "pooled",
        description="pooled: members' patents in the standard's field pass between them "
        "licence-free; licensed: the usual licensing rule",
    )
    pool_rate: Share = Field(
        0.02,
        description="pooled rule: share of the gap on a member's patented standard field the "
        "other absorbs a month, times absorptive capacity",
    )
    member_gain: float = Field(
        0.3,
        ge=0,
        le=10,
        description="members' products in the field sell (1 + member_gain * installed base) "
        "times as much",
    )
    outsider_loss: Share = Field(
        0.3,
        description="outsiders' products in the field sell (1 - outsider_loss * installed base) "
        "times as much",
    )
    persistence: Share = Field(
        0.97,
        description="monthly retention of a field's installed base (members' share of its "
        "sales, smoothed); high values lock a standard in",
    )
    bandwagon: float = Field(
        2.0,
        ge=0,
        le=100,
        description="how much a field's installed base raises the fit of joining its standard",
    )
    renew_base: Share = Field(
        0.1,
        description="a membership at the end of its term is renewed while the field's installed "
        "base is at least this",
    )


class Partnerships(Section):
    """The partnership types and how a new tie chooses one."""

    enabled: bool = Field(
        True,
        description="new ties choose a type (joint R&D, sharing, standard); off: every tie is a "
        "joint R&D tie, free, with no term and the trust floor only",
    )
    joint_rd: JointRD = JointRD()
    sharing: Sharing = Sharing()
    standard: Standard = Standard()
