"""Reading YAML config files: plain values only, no duplicate keys, `extends` chains."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from .problems import ScenarioError

# what an empty file of each kind should have held
_SECTIONS = {
    "scenario": "name, population, ...",
    "experiment": "name, baseline, parameters, ...",
    "targets": "name, targets",
    "calibration": "name, parameters, population, ...",
}


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


def parse(text: str) -> Any:
    """Plain YAML values only: safe loading, no duplicate keys."""
    return yaml.load(text, Loader=_Loader)  # _Loader is a yaml.SafeLoader


def yaml_problem(err: yaml.YAMLError) -> str:
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
        data = parse(text)
    except yaml.YAMLError as err:
        raise fail(yaml_problem(err)) from None
    if data is None:
        raise fail(f"empty file; expected a mapping of sections ({_SECTIONS[what]})")
    if not isinstance(data, dict):
        raise fail(f"top level must be a mapping of sections, got a {type(data).__name__}")
    return data


def read_extended(
    shown: str, what: str = "scenario", chain: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The file's mapping merged over the files it `extends` (paths relative to the file)."""
    names = (*chain, shown)
    if os.path.realpath(shown) in map(os.path.realpath, chain):
        raise ScenarioError([f"{chain[0]}: extends cycle: {' -> '.join(names)}"])
    data = read_mapping(shown, what)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([f"{shown}: extends: got {parent!r}; must be a path to a YAML file"])
    parent_shown = os.path.normpath(os.path.join(os.path.dirname(shown), parent))
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
