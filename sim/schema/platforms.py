"""Network effects in platform markets: sales that follow installed bases (Katz & Shapiro 1985;
Arthur 1989)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Section, Share


class Platforms(Section):
    """Which fields are platform markets and how strongly their users follow the crowd."""

    fields: list[Annotated[int, Field(ge=0)]] = Field(
        [],
        description="technology fields that are platform markets: there part of the sales "
        "follows products' installed bases (none by default)",
    )
    share: Share = Field(
        0.0,
        description="share of the fields, counted from the last one, that are platform markets "
        "too (one number for a lever); round(share * fields) of them",
    )
    strength: Share = Field(
        0.5,
        description="share of a platform field's sales that goes by installed base rather than "
        "by products' own value (the weight of network benefits in users' choice)",
    )
    returns: float = Field(
        2.0,
        gt=0,
        le=10,
        description="exponent on a product's installed base in its pull on users: 1 linear "
        "(path dependence, no tipping), above 1 increasing returns (the market tips)",
    )
    churn: Share = Field(
        0.05,
        description="share of a product's installed base lost a month (users who stop using it "
        "or switch: low churn stands for high switching costs)",
    )
