"""Loading scenarios: YAML files with `extends`, `path=value` overrides and timed events.

Every problem becomes one line: `file: field.path: what was given; what is allowed`.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .schema import IP_PRESETS, TRUST_PRESETS, Scenario

Problem = tuple[str, str]  # (dotted field path, "" for the whole file; what is wrong)
M = typing.TypeVar("M", bound=BaseModel)

PRESETS = {"trust.preset": TRUST_PRESETS, "ip.regime": IP_PRESETS}
_SECTIONS = {"scenario": "name, population, ...", "experiment": "name, baseline, parameters, ..."}
FIXED_IN_RUN = (
    "fields",
    "seed",
    "steps",
    "events",
    "record",
)  # top-level keys an event may not change

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


class ScenarioError(Exception):
    """Problems found in a scenario; `messages` holds one line per problem."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader that also rejects a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: list[Any] = []
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges, not a key
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears more than once", key_node.start_mark
                )
            seen.append(key)
        return super().construct_mapping(node, deep)


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read a scenario file, resolve `extends`, apply `path=value` overrides, check the events."""
    source = str(path)
    data = _resolve(source)
    problems = apply_overrides(data, overrides, Scenario)
    if not problems:
        scenario, problems = validate_data(data, Scenario)
        if scenario is not None:
            problems = event_problems(scenario)
    if problems:
        raise ScenarioError(lines(source, problems))
    return scenario


def apply_changes(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A new scenario with the dotted paths in `changes` set, validated.

    Setting a preset (trust.preset, ip.regime) also resets the values it fills, unless
    `changes` sets them too. Raises ScenarioError.
    """
    changed, problems = _changed(scenario, changes)
    if problems:
        raise ScenarioError(lines("", problems))
    return changed


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The fully resolved scenario as plain JSON/YAML-ready data."""
    return scenario.model_dump(mode="json")


# --- reading files ----------------------------------------------------------------------


def _resolve(shown: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    """The file's mapping merged over the files it `extends` (paths relative to the file)."""
    names = (*chain, shown)
    if os.path.realpath(shown) in map(os.path.realpath, chain):
        raise ScenarioError([f"{chain[0]}: extends cycle: {' -> '.join(names)}"])
    data = read_mapping(shown)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([f"{shown}: extends: got {parent!r}; must be a path to a YAML file"])
    parent_shown = os.path.normpath(os.path.join(os.path.dirname(shown), parent))
    if not os.path.isfile(parent_shown):
        what = "is not a file" if os.path.exists(parent_shown) else "does not exist"
        raise ScenarioError([f"{shown}: extends: {parent_shown} {what}"])
    return _merge(_resolve(parent_shown, names), data)


def read_mapping(shown: str, what: str = "scenario") -> dict[str, Any]:
    """The top-level mapping of one YAML `what` file; a ScenarioError naming the file otherwise."""

    def fail(text: str) -> ScenarioError:
        return ScenarioError([f"{shown}: {text}"])

    try:
        text = Path(shown).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail(f"is a directory, not a {what} file") from None
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    except OSError as err:
        raise fail(f"cannot read: {err.strerror}") from None
    try:
        data = _parse(text)
    except yaml.YAMLError as err:
        raise fail(_yaml_problem(err)) from None
    if data is None:
        raise fail(f"empty file; expected a mapping of sections ({_SECTIONS[what]})")
    if not isinstance(data, dict):
        raise fail(f"top level must be a mapping of sections, got a {type(data).__name__}")
    return data


def _parse(text: str) -> Any:
    """Plain YAML values only: safe loading, no duplicate keys."""
    return yaml.load(text, Loader=_Loader)  # _Loader is a yaml.SafeLoader


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line for a YAML error, with its line number."""
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}: " if mark else ""
    problem = getattr(err, "problem", None) or str(err)
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:
        name = tag[1].replace("tag:yaml.org,2002:", "!!")
        return f"{where}tag {name} is not allowed; only plain YAML values are"
    if isinstance(err, yaml.constructor.ConstructorError):
        return f"{where}{problem}"
    context = getattr(err, "context", None)
    context_mark = getattr(err, "context_mark", None)
    if context and context_mark and mark and context_mark.line != mark.line:
        problem += f" ({context} started on line {context_mark.line + 1})"
    return f"{where}YAML syntax error: {problem}"


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """`child` over `base`: mappings merge key by key; anything else, lists too, replaces."""
    out = dict(base)
    for key, value in child.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merge(out[key], value) if both else value
    return out


# --- setting dotted paths ---------------------------------------------------------------


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
        value = _parse(raw)
    except yaml.YAMLError as err:
        return [(f"--set {path}", f"value {raw!r}: {_yaml_problem(err)}")]
    return [(f"--set {p}", why) for p, why in _put(data, {path: value}, root)]


def _put(
    data: dict[str, Any], changes: Mapping[str, Any], root: type[BaseModel] = Scenario
) -> list[Problem]:
    """Set each dotted path of `changes` in nested dicts; a mapping value merges, like extends."""
    flat = _flatten(changes)
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


def _flatten(changes: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{a: {b: 1}}` and `{a.b: 1}` alike become `{"a.b": 1}`; an empty mapping changes nothing."""
    flat: dict[str, Any] = {}
    for key, value in changes.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def path_problem(path: str, root: type[BaseModel] = Scenario) -> str | None:
    """Why a dotted path names no field of `root`; None when it does."""
    return _keys(path, root)[1]


def field_type(path: str, root: type[BaseModel] = Scenario) -> Any:
    """The annotation of the field a valid dotted path names."""
    node: Any = root
    for key in _keys(path, root)[0]:
        node = _unwrap(node)
        node = node.model_fields[key].annotation if is_model(node) else typing.get_args(node)[1]
    return _unwrap(node)


def _keys(path: str, root: type[BaseModel]) -> tuple[list[str], str | None]:
    """The keys a dotted path walks through `root` (the rest of the path is one key of a
    mapping field whose values are plain), and why it names no field, or None."""
    node: Any = root
    parts = path.split(".")
    keys: list[str] = []
    for i, key in enumerate(parts):
        node = _unwrap(node)
        if is_model(node):
            if key not in node.model_fields:
                return keys, _unknown(key, node)
            node = node.model_fields[key].annotation
        elif typing.get_origin(node) is dict:
            node = _unwrap(typing.get_args(node)[1])
            if not is_model(node) and typing.get_origin(node) is not dict:
                return [*keys, ".".join(parts[i:])], None
        else:
            return keys, f"{'.'.join(parts[:i])} is a single value; it has no key {key!r}"
        keys.append(key)
    return keys, None


def _changed(
    scenario: Scenario, changes: Mapping[str, Any]
) -> tuple[Scenario | None, list[Problem]]:
    """The scenario with `changes` applied, or the problems that prevent it."""
    data = scenario_to_dict(scenario)
    flat = _flatten(changes)
    for key, presets in PRESETS.items():
        chosen = flat.get(key)
        if isinstance(chosen, str) and chosen in presets:
            section = key.split(".")[0]
            for name in presets[chosen]:
                if f"{section}.{name}" not in flat:
                    data[section].pop(name, None)
    problems = _put(data, flat)
    return (None, problems) if problems else validate_data(data, Scenario)


def event_problems(scenario: Scenario) -> list[Problem]:
    """Apply the events cumulatively in order of `at` and collect what would fail."""
    problems: list[Problem] = []
    current = scenario
    for i, event in sorted(enumerate(scenario.events), key=lambda pair: pair[1].at):
        label = f"events[{i}].set"
        flat = _flatten(event.set)
        fixed = [path for path in flat if path.split(".")[0] in FIXED_IN_RUN]
        if fixed:
            problems += [(f"{label}.{path}", "cannot change during a run") for path in fixed]
            continue
        changed, found = _changed(current, flat)
        problems += [(f"{label}.{path}" if path else label, why) for path, why in found]
        current = changed or current
    return problems


# --- pydantic errors as one-line problems -----------------------------------------------


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
        return _join(parts[:-1]), _unknown(str(parts[-1]), model), False
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
        node = _unwrap(node)
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
            models = [a for a in map(_unwrap, args) if is_model(a)]
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


def _unknown(key: str, model: type[BaseModel]) -> str:
    """'unknown key' with a close match, if any, and the keys the section allows."""
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; allowed: {', '.join(allowed)}"


def _show(value: Any) -> str:
    """A short repr of a given value."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def lines(source: str, problems: Sequence[Problem]) -> list[str]:
    """`source: path: what` lines, leaving out empty parts."""
    return [": ".join(part for part in (source, path, why) if part) for path, why in problems]


def _unwrap(node: Any) -> Any:
    """The type inside `Annotated[...]`."""
    while typing.get_origin(node) is typing.Annotated:
        node = typing.get_args(node)[0]
    return node


def is_model(node: Any) -> bool:
    """Whether a schema annotation is a section (a pydantic model)."""
    return isinstance(node, type) and issubclass(node, BaseModel)
