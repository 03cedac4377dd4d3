"""Dotted paths into a pydantic root model: naming fields, `path=value` overrides, raw data."""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import BaseModel

from .files import parse, yaml_problem
from .problems import Problem, unknown_key


def is_model(node: Any) -> bool:
    """Whether a schema annotation is a section (a pydantic model)."""
    return isinstance(node, type) and issubclass(node, BaseModel)


def unwrap(node: Any) -> Any:
    """The type inside `Annotated[...]`."""
    while typing.get_origin(node) is typing.Annotated:
        node = typing.get_args(node)[0]
    return node


def path_problem(path: str, root: type[BaseModel]) -> str | None:
    """Why a dotted path names no field of `root`; None when it does."""
    return _keys(path, root)[1]


def field_type(path: str, root: type[BaseModel]) -> Any:
    """The annotation of the field a valid dotted path of `root` names."""
    node: Any = root
    for key in _keys(path, root)[0]:
        node = unwrap(node)
        node = node.model_fields[key].annotation if is_model(node) else typing.get_args(node)[1]
    return unwrap(node)


def _keys(path: str, root: type[BaseModel]) -> tuple[list[str], str | None]:
    """The keys a dotted path walks through `root` (the rest of the path is one key of a
    mapping field whose values are plain), and why it names no field, or None."""
    node: Any = root
    parts = path.split(".")
    keys: list[str] = []
    for i, key in enumerate(parts):
        node = unwrap(node)
        if is_model(node):
            if key not in node.model_fields:
                return keys, unknown_key(key, node)
            node = node.model_fields[key].annotation
        elif typing.get_origin(node) is dict:
            node = unwrap(typing.get_args(node)[1])
            if not is_model(node) and typing.get_origin(node) is not dict:
                return [*keys, ".".join(parts[i:])], None
        else:
            return keys, f"{'.'.join(parts[:i])} is a single value; it has no key {key!r}"
        keys.append(key)
    return keys, None


def apply_overrides(
    data: dict[str, Any], overrides: Sequence[str], root: type[BaseModel]
) -> list[Problem]:
    """Apply `dotted.path=value` overrides (values read as YAML) to the raw data of `root`."""
    return [p for text in overrides for p in _override(data, text, root)]


def _override(data: dict[str, Any], text: str, root: type[BaseModel]) -> list[Problem]:
    """Apply one `dotted.path=value` override to the raw data."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        return [(f"--set {text}", "expected dotted.path=value, e.g. population.startup.count=300")]
    try:
        value = parse(raw)
    except yaml.YAMLError as err:
        return [(f"--set {path}", f"value {raw!r}: {yaml_problem(err)}")]
    return [(f"--set {p}", why) for p, why in put(data, {path: value}, root)]


def put(data: dict[str, Any], changes: Mapping[str, Any], root: type[BaseModel]) -> list[Problem]:
    """Set each dotted path of `changes` in nested dicts; a mapping value merges, like extends,
    except into a field whose value may itself be a mapping, which it replaces."""
    flat = flatten(changes, root=root)
    found = {path: _keys(path, root) for path in flat}
    problems = [(path, why) for path, (_, why) in found.items() if why]
    if problems:
        return problems
    for path, value in flat.items():
        *parents, last = found[path][0]
        node = data
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[last] = value
    return []


def flatten(
    changes: Mapping[str, Any], prefix: str = "", *, root: type[BaseModel] | None = None
) -> dict[str, Any]:
    """`{a: {b: 1}}` and `{a.b: 1}` alike become `{"a.b": 1}`; an empty mapping changes nothing.
    With `root`, a mapping for a field of `root` whose value may be a mapping stays whole."""
    flat: dict[str, Any] = {}
    for key, value in changes.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not (root and _takes_mapping(path, root)):
            flat.update(flatten(value, f"{path}.", root=root))
        else:
            flat[path] = value
    return flat


def _takes_mapping(path: str, root: type[BaseModel]) -> bool:
    """Whether `path` names one value that may be a mapping, such as an experiment parameter's
    `{low, high}` range (`list | Range`), rather than a section or mapping to merge into."""
    if path_problem(path, root):
        return False
    node = field_type(path, root)
    if is_model(node) or typing.get_origin(node) is dict:
        return False
    return node is Any or any(
        is_model(unwrap(arg)) or typing.get_origin(unwrap(arg)) is dict
        for arg in typing.get_args(node)
    )
