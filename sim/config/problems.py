"""One-line problems: the error that carries them, and how they are worded."""

from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

Problem = tuple[str, str]  # (dotted field path, "" for the whole file; what is wrong)

SHOWN = 80  # characters of a given value or key a message quotes, at most
MOST_PROBLEMS = 50  # problems listed; the rest are counted on one more line

# a bounded repr: a huge or deeply shared value (a YAML alias bomb) is never expanded whole
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, SHOWN, SHOWN
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8


class ScenarioError(Exception):
    """Problems found in a scenario or experiment; `messages` holds one line per problem."""

    def __init__(self, messages: Sequence[str]):
        # one line each, whatever a library's text held; a flood of problems is cut short
        found = [re.sub(r"\s*[\r\n]+\s*", " ", str(m)) for m in messages]
        if len(found) > MOST_PROBLEMS:
            found[MOST_PROBLEMS:] = [f"... and {len(found) - MOST_PROBLEMS} more problems"]
        self.messages = found
        super().__init__("\n".join(self.messages))


def short(value: Any) -> str:
    """The repr of a given value, cut to SHOWN characters with an ellipsis."""
    text = _REPR.repr(value)
    return text if len(text) <= SHOWN else f"{text[: SHOWN - 3]}..."


def lines(source: str, problems: Sequence[Problem]) -> list[str]:
    """`source: path: what` lines, leaving out empty parts."""
    return [": ".join(part for part in (source, path, why) if part) for path, why in problems]


def unknown_key(key: str, model: type[BaseModel], hint: bool = True) -> str:
    """'unknown key' with a close match, if any (and `hint`), and the keys the section allows."""
    allowed = list(model.model_fields)
    hint = hint and len(key) <= SHOWN
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5) if hint else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {short(key)}{hint}; allowed: {', '.join(allowed)}"
