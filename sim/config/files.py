"""Reading YAML config files: plain values only, no duplicate keys, `extends` chains; files too
large, too deep or too long a chain are refused before they are built."""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

from .problems import ScenarioError, short

MOST_BYTES = 1_000_000  # a config file's size; shipped ones have a few kB
MOST_NODES = 50_000  # values (keys, items, scalars) with aliases expanded; a scenario has ~300
MOST_DEPTH = 50  # nesting of mappings and lists; a scenario nests 4 deep
MOST_EXTENDS = 20  # files in one `extends` chain
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml, where installed: 10x faster

# what an empty file of each kind should have held
_SECTIONS = {
    "scenario": "name, population, ...",
    "experiment": "name, baseline, parameters, ...",
    "targets": "name, targets",
    "calibration": "name, parameters, population, ...",
}


class _NoDuplicates(yaml.constructor.SafeConstructor):
    """SafeConstructor that also rejects a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges, not a key
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                again = key in seen
                seen.add(key)
            except TypeError:  # a list or mapping as a key: SafeLoader says it is unhashable
                continue
            if again:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {short(key)} appears more than once", key_node.start_mark
                )
        return super().construct_mapping(node, deep)


class _Loader(_NoDuplicates, _FAST):
    """Safe loading, no duplicate keys, by libyaml where it is installed."""


class _Words(_NoDuplicates, yaml.SafeLoader):
    """The same in pure Python: PyYAML's wording of syntax errors (the tests name them)."""


class Refused(yaml.MarkedYAMLError):
    """A document refused before it is built: too large or nested too deep."""


def parse(text: str) -> Any:
    """Plain YAML values only: safe loading, no duplicate keys, within the size limits."""
    try:
        check_size(text, _FAST)
        return yaml.load(text, Loader=_Loader)  # _Loader is a safe loader
    except Refused:
        raise
    except yaml.YAMLError:
        # the same error in PyYAML's words; its event parser does not recurse, its loader does
        check_size(text, yaml.SafeLoader)
        return yaml.load(text, Loader=_Words)


def check_size(text: str, events: type = yaml.SafeLoader) -> None:
    """Refuse a document whose values, aliases expanded, are too many or nest too deep.

    One pass over the `events` of a parser (a yaml Loader class), so that an alias bomb
    ("billion laughs") or a deep nesting is refused in linear time, before PyYAML builds (or
    recurses into) it. Raises Refused, or the parser's error."""
    nodes = 0
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, levels) of its whole value
    inside: list[list[Any]] = []  # open collections: [anchor, nodes before, deepest level]
    for event in yaml.parse(text, Loader=events):
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, before, deepest = inside.pop()
            if anchor:
                sizes[anchor] = (nodes - before, deepest - len(inside))
            if inside:
                inside[-1][2] = max(inside[-1][2], deepest)
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        size, levels = 1, 0
        if isinstance(event, yaml.AliasEvent):
            if any(event.anchor == anchor for anchor, _, _ in inside):
                raise _refused(event, f"alias *{event.anchor[:40]} is inside its own value")
            size, levels = sizes.get(event.anchor, (1, 0))
        elif isinstance(event, yaml.CollectionStartEvent):
            inside.append([event.anchor, nodes, len(inside) + 1])
        elif event.anchor:
            sizes[event.anchor] = (1, 0)
        nodes += size
        if inside:
            inside[-1][2] = max(inside[-1][2], len(inside) + levels)
        if nodes > MOST_NODES:
            raise _refused(
                event,
                f"too large: more than {MOST_NODES:,} values (keys, list items and "
                "scalars, with aliases expanded)",
            )
        if inside and inside[-1][2] > MOST_DEPTH:
            raise _refused(event, f"nested more than {MOST_DEPTH} levels deep")


def _refused(event: yaml.Event, problem: str) -> Refused:
    return Refused(problem=problem, problem_mark=event.start_mark)


def yaml_problem(err: yaml.YAMLError, text: str | None = None) -> str:
    """One line for a YAML error, with its line number (for a bad character: from `text`)."""
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}: " if mark else ""
    if isinstance(err, yaml.reader.ReaderError):
        at = err.position
        where = f"line {text.count(chr(10), 0, at) + 1}: " if text else f"character {at + 1}: "
        return f"{where}character #x{err.character:04x} is not allowed in YAML text"
    problem = getattr(err, "problem", None) or str(err)
    if isinstance(err, Refused):
        return f"{where}{problem}"
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


def read_mapping(shown: str, what: str = "scenario") -> dict[str, Any]:
    """The top-level mapping of one YAML `what` file; a ScenarioError naming the file otherwise."""

    def fail(text: str) -> ScenarioError:
        return ScenarioError([f"{shown}: {text}"])

    a_file = f"{'an' if what[0] in 'aeiou' else 'a'} {what} file"  # an experiment file

    try:
        with open(shown, "rb") as file:
            raw = file.read(MOST_BYTES + 1)  # no more: the size of /dev/zero is 0
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail(f"is a directory, not {a_file}") from None
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    except OSError as err:
        raise fail(f"cannot read: {err.strerror}") from None
    if len(raw) > MOST_BYTES:
        raise fail(f"too large: more than {MOST_BYTES // 1_000_000} MB; {a_file} has a few kB")
    try:
        data = parse(text)
    except yaml.YAMLError as err:
        raise fail(yaml_problem(err, text)) from None
    if data is None:
        raise fail(f"empty file; expected a mapping of sections ({_SECTIONS[what]})")
    if not isinstance(data, dict):
        raise fail(f"top level must be a mapping of sections, got a {type(data).__name__}")
    return data


def read_extended(
    shown: str, what: str = "scenario", chain: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The file's mapping merged over the files it `extends` (paths relative to the file: to
    the real file when `shown` is a symbolic link)."""
    names = (*chain, shown)
    if os.path.realpath(shown) in map(os.path.realpath, chain):
        raise ScenarioError([f"{chain[0]}: extends cycle: {' -> '.join(names)}"])
    if len(chain) >= MOST_EXTENDS:
        raise ScenarioError(
            [f"{chain[0]}: extends: a chain of more than {MOST_EXTENDS} files (it reaches {shown})"]
        )
    data = read_mapping(shown, what)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            [f"{shown}: extends: got {short(parent)}; must be a path to a YAML file"]
        )
    here, real = os.path.dirname(shown), os.path.dirname(os.path.realpath(shown))
    if os.path.realpath(here or ".") != real:  # a link to a file elsewhere: extends from there
        here = real
    parent_shown = os.path.normpath(os.path.join(here, parent))
    if not os.path.isfile(parent_shown):
        what_is = "is not a file" if os.path.exists(parent_shown) else "does not exist"
        raise ScenarioError([f"{shown}: extends: {parent_shown} {what_is}"])
    return merge(read_extended(parent_shown, what, names), data)


def merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """`child` over `base`: mappings merge key by key; anything else, lists too, replaces."""
    out = dict(base)
    for key, value in child.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge(out[key], value) if both else value
    return out
