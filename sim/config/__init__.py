"""Config files checked against a pydantic root model, every problem one line.

YAML reading and `extends` (files), dotted paths and `path=value` overrides (paths), changes
with presets (changes), validation with English problems (validation, problems). Nothing here
knows the scenario or experiment schema: the root model and presets are arguments.
"""

from .changes import Presets, with_changes
from .files import read_extended, read_mapping
from .paths import apply_overrides, field_type, flatten, is_model, path_problem
from .problems import Problem, ScenarioError, lines
from .validation import validate_data

__all__ = [
    "Presets",
    "Problem",
    "ScenarioError",
    "apply_overrides",
    "field_type",
    "flatten",
    "is_model",
    "lines",
    "path_problem",
    "read_extended",
    "read_mapping",
    "validate_data",
    "with_changes",
]
