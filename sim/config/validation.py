"""Validating raw data against a pydantic root model; its errors as one-line problems."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .paths import is_model, unwrap
from .problems import Problem, unknown_key

M = typing.TypeVar("M", bound=BaseModel)

_BOUNDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}
_WANTS = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list [low, high]",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
}


def validate_data(data: dict[str, Any], root: type[M]) -> tuple[M | None, list[Problem]]:
    """A `root` model (Scenario, Experiment) from raw data, or the problems that prevent it."""
    try:
        return root.model_validate(data), []
    except ValidationError as err:
        return None, _problems(err, root)


def _problems(err: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """One problem per pydantic error; the alternatives of a union fold into one line."""
    errors = err.errors()
    locs = [item["loc"] for item in errors]
    found = [_problem(item, root) for item in errors]
    kept: dict[str | int, Problem] = {}
    for n, (path, why, alternative) in enumerate(found):
        deeper = any(p.startswith((f"{path}.", f"{path}[")) for p, _, _ in found)
        # another alternative of the same union that got further into the value
        further = any(len(o) > len(locs[n]) and o[: len(locs[n]) - 1] == locs[n][:-1] for o in locs)
        if alternative and (deeper or further):
            continue
        key: str | int = path if alternative else n
        if key in kept:
            extra = why.split("; ", 1)[-1].removeprefix("must be ")
            why = f"{kept[key][1]} or {extra}"
        kept[key] = (path, why)
    return list(kept.values())


def _problem(item: Any, root: type[BaseModel]) -> tuple[str, str, bool]:
    """(field path, what is wrong, whether it is one alternative of a union) for one error."""
    kind, given, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    parts, model, alternative, bad_key = _place(item["loc"], root)
    if kind == "extra_forbidden":
        return _join(parts[:-1]), unknown_key(str(parts[-1]), model), False
    if bad_key and kind == "literal_error":
        return _join(parts[:-1]), f"unknown key {given!r}; allowed: {ctx['expected']}", False
    if kind == "value_error":
        text = item["msg"].removeprefix("Value error, ")
        named = re.fullmatch(r"([A-Za-z_][\w.]*): (.*)", text)
        if named:
            return _join([*parts, named[1]]), named[2], alternative
        return _join(parts), text, alternative
    if kind == "missing":
        return _join(parts), "missing; required", alternative
    want = _want(kind, ctx, item["msg"])
    if bad_key:
        return _join(parts[:-1]), f"key {given!r}: {want}", False
    return _join(parts), f"got {_show(given)}; {want}", alternative


def _want(kind: str, ctx: dict[str, Any], msg: str) -> str:
    """What is allowed, as `must ...`, for one pydantic error type."""
    if kind in _BOUNDS:
        name, sign = _BOUNDS[kind]
        bound = ctx[name]
        return f"must be {sign} {int(bound) if float(bound).is_integer() else bound}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind in _WANTS:
        return f"must be {_WANTS[kind]}"
    subject, _, rest = msg.partition(" should ")
    if not rest:
        return msg
    return (
        f"must {rest}"
        if subject in ("Input", "Value", "String")
        else f"{subject.lower()} must {rest}"
    )


def _place(
    loc: tuple[Any, ...], root: type[BaseModel]
) -> tuple[list[Any], type[BaseModel], bool, bool]:
    """Walk an error location through the schema: (path parts, deepest model, union, dict key)."""
    node: Any = root
    model: type[BaseModel] = root
    parts: list[Any] = []
    alternative = bad_key = False
    for item in loc:
        node = unwrap(node)
        origin, args = typing.get_origin(node), typing.get_args(node)
        if item == "[key]":
            bad_key = True
        elif is_model(node):
            model = node
            parts.append(item)
            field = node.model_fields.get(item)
            node = field.annotation if field else Any
        elif origin in (typing.Union, types.UnionType):
            alternative = True  # pydantic names the alternative tried; the path skips it
            models = [a for a in map(unwrap, args) if is_model(a)]
            named = [m for m in models if re.search(rf"\b{m.__name__}\b", str(item))]
            node = named[0] if named else Any
        elif isinstance(item, int):
            parts.append(item)
            node = args[min(item, len(args) - 1)] if origin in (list, tuple) and args else Any
        else:
            parts.append(item)
            node = args[1] if origin is dict else Any
    return parts, model, alternative, bad_key


def _join(parts: Sequence[Any]) -> str:
    """`["events", 0, "at"]` -> `events[0].at`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f"{'.' if out else ''}{part}"
    return out


def _show(value: Any) -> str:
    """A short repr of a given value."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
