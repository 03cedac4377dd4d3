"""One-line problems: the error that carries them, and how they are worded."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from pydantic import BaseModel

Problem = tuple[str, str]  # (dotted field path, "" for the whole file; what is wrong)


class ScenarioError(Exception):
    """Problems found in a scenario or experiment; `messages` holds one line per problem."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def lines(source: str, problems: Sequence[Problem]) -> list[str]:
    """`source: path: what` lines, leaving out empty parts."""
    return [": ".join(part for part in (source, path, why) if part) for path, why in problems]


def unknown_key(key: str, model: type[BaseModel]) -> str:
    """'unknown key' with a close match, if any, and the keys the section allows."""
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; allowed: {', '.join(allowed)}"
