"""Validating raw data against a pydantic root model; its errors as one-line problems."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .paths import is_model, unwrap
from .problems import MOST_PROBLEMS, Problem, short, unknown_key

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
    flagged = dict(_bools(data, root, []))
    try:
        model, problems = root.model_validate(data), []
    except ValidationError as err:
        model, problems = None, _problems(err, root)
    if not flagged:
        return model, problems
    return None, [*flagged.items(), *((p, why) for p, why in problems if p not in flagged)]


def _bools(value: Any, node: Any, parts: list[Any]) -> list[Problem]:
    """true/false given where the schema wants a number: pydantic takes them as 1 and 0."""
    node = unwrap(node)
    origin, args = typing.get_origin(node), typing.get_args(node)
    options = [unwrap(a) for a in args] if origin in (typing.Union, types.UnionType) else [node]
    if isinstance(value, bool):
        numbers = [o for o in options if o in (int, float)]
        if numbers and bool not in options and Any not in options:
            want = "a number" if float in numbers else "a whole number"
            return [(_join(parts), f"got {str(value).lower()}; must be {want}")]
        return []
    found: list[Problem] = []
    for option in options:
        origin, args = typing.get_origin(option), typing.get_args(option)
        if isinstance(value, dict) and is_model(option):
            for key, item in value.items():
                field = option.model_fields.get(key) if isinstance(key, str) else None
                if field is not None:
                    found += _bools(item, field.annotation, [*parts, key])
        elif isinstance(value, dict) and origin is dict and args:
            for key, item in value.items():
                found += _bools(item, args[1], [*parts, key])
        elif isinstance(value, list) and origin in (list, tuple) and args:
            for i, item in enumerate(value):
                inner = (
                    args[0]
                    if origin is list or args[-1] is Ellipsis
                    else args[min(i, len(args) - 1)]
                )
                found += _bools(item, inner, [*parts, i])
        else:
            continue
        return found  # the first alternative of a union that fits the value's shape
    return found


def _problems(err: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """One problem per pydantic error; the alternatives of a union fold into one line."""
    errors = err.errors()
    locs = [item["loc"] for item in errors]
    # a close match is sought only for the problems that will be shown (difflib is slow)
    found = [_problem(item, root, n < MOST_PROBLEMS) for n, item in enumerate(errors)]
    # sets, not scans, so that thousands of problems (unknown keys) take no time
    parents = {p[:i] for p, _, _ in found for i, c in enumerate(p) if c in ".["}
    stems = {(k, o[:k]) for o in locs for k in range(len(o) - 1)}
    kept: dict[str | int, Problem] = {}
    for n, (path, why, alternative) in enumerate(found):
        deeper = path in parents
        # another alternative of the same union that got further into the value
        further = (len(locs[n]) - 1, locs[n][:-1]) in stems
        if alternative and (deeper or further):
            continue
        key: str | int = path if alternative else n
        if key in kept:
            extra = why.split("; ", 1)[-1].removeprefix("must be ")
            why = f"{kept[key][1]} or {extra}"
        kept[key] = (path, why)
    return list(kept.values())


def _problem(item: Any, root: type[BaseModel], hint: bool = True) -> tuple[str, str, bool]:
    """(field path, what is wrong, whether it is one alternative of a union) for one error."""
    kind, given, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    parts, model, alternative, bad_key = _place(item["loc"], root)
    if kind == "extra_forbidden":
        return _join(parts[:-1]), unknown_key(str(parts[-1]), model, hint), False
    if bad_key and kind == "literal_error":
        return _join(parts[:-1]), f"unknown key {short(given)}; allowed: {ctx['expected']}", False
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
        return _join(parts[:-1]), f"key {short(given)}: {want}", False
    return _join(parts), f"got {short(given)}; {want}", alternative


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
        node = _present(unwrap(node))
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


def _present(node: Any) -> Any:
    """`X | None` read as X: pydantic names no alternative for an optional field."""
    args = typing.get_args(node)
    union = typing.get_origin(node) in (typing.Union, types.UnionType)
    if union and len(args) == 2 and type(None) in args:
        return unwrap(next(arg for arg in args if arg is not type(None)))
    return node


def _join(parts: Sequence[Any]) -> str:
    """`["events", 0, "at"]` -> `events[0].at`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f"{'.' if out else ''}{part}"
    return out
