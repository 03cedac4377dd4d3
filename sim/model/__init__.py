"""The model: numpy state, Mesa agents and model, mechanisms, metrics and records."""

from .model import EcosystemModel

__all__ = ["EcosystemModel"]
