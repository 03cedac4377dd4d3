"""Experiment files: the schema of a sweep and its loading, checked like scenario files.

An experiment names a baseline scenario and alternatives, the parameters to vary and how
(a grid of values, or a Latin hypercube, Sobol or Morris design over ranges), replications,
a root seed, and the metrics to keep. Every problem is one line naming file and field.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import ScenarioError, apply_overrides, is_model, lines, read_mapping, validate_data
from ..model.metrics import HEADLINE, PER_RUN, PER_STEP, STEP_METRICS
from ..scenario import apply_changes, event_problems, field_type, load_scenario, path_problem
from ..schema import RecordKind, Scenario
from . import warmup

DesignKind = Literal["grid", "lhs", "sobol", "morris"]
# more runs than this is a mistake (a grid of 12 parameters x 10 values is 10^12 runs): the
# plan alone would not fit in memory, and no machine here finishes it
MAX_RUNS = 1_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Range(_Strict):
    """A numeric range: `num` evenly spaced values for a grid; bounds for sampled designs."""

    low: float = Field(description="lowest value")
    high: float = Field(description="highest value")
    num: int | None = Field(None, ge=2, le=1000, description="grid only: how many values")

    @model_validator(mode="after")
    def _ordered(self):
        if self.low >= self.high:
            raise ValueError(f"high: got {self.high}; must be > low ({self.low})")
        return self


class Design(_Strict):
    """How design points are made from `parameters`."""

    kind: DesignKind = Field(
        "grid",
        description="grid: every combination of the values; lhs: Latin hypercube; "
        "sobol: Saltelli sampling for Sobol indices; morris: elementary effects",
    )
    samples: int = Field(
        16, ge=1, le=100_000, description="lhs: points; sobol: base sample N; morris: trajectories"
    )
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")
    second_order: bool = Field(False, description="sobol: also second-order indices")


class Slurm(_Strict):
    """A SLURM cluster through dask-jobqueue: each batch job starts Dask workers."""

    queue: str | None = Field(None, description="partition (sbatch -p)")
    account: str | None = Field(None, description="account to charge (sbatch -A)")
    cores: int = Field(1, ge=1, le=1024, description="cores per job: one worker process each")
    memory: str = Field("2GB", min_length=1, description="memory per job, e.g. 4GB")
    walltime: str = Field("01:00:00", min_length=1, description="time limit per job, HH:MM:SS")
    jobs: int = Field(1, ge=1, le=10_000, description="batch jobs to start (at most, if adaptive)")
    adaptive: bool = Field(False, description="scale between 1 and `jobs` jobs with the load")
    job_extra: list[str] = Field([], description="more #SBATCH lines, e.g. ['--qos=short']")
    scheduler_host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="address the Dask scheduler listens on: the login node's address (or "
        "0.0.0.0) when jobs run on other nodes",
    )


class BackendSpec(_Strict):
    """Where runs execute: defaults that the command line overrides."""

    kind: Literal["local", "dask", "slurm"] = Field(
        "local", description="local processes (joblib), a Dask cluster, or SLURM via Dask"
    )
    jobs: int | None = Field(None, ge=1, le=4096, description="local or LocalCluster processes")
    address: str | None = Field(None, description="dask: an existing scheduler, tcp://HOST:PORT")
    slurm: Slurm = Slurm()

    @field_validator("address")
    @classmethod
    def _address(cls, address: str | None) -> str | None:
        if address is not None:
            address_parts(address)
        return address


def address_parts(address: str) -> tuple[str, int]:
    """HOST and PORT of a scheduler address, tcp://HOST:PORT (or tls://, or no scheme).
    Raises ValueError saying what is allowed."""
    found = re.fullmatch(r"(?:(?:tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[\w.-]+):(\d{1,5})", address)
    if not found or not 1 <= int(found[2]) <= 65535:
        raise ValueError(
            f"got {address!r}; must be tcp://HOST:PORT with PORT a number from 1 to 65535, "
            "e.g. tcp://10.0.0.5:8786"
        )
    return found[1].strip("[]"), int(found[2])


class Experiment(_Strict):
    """A sweep: scenarios x design points x replications."""

    name: str = Field(min_length=1, description="short name used for the output folder")
    description: str = Field("", description="one or two sentences for reports")
    baseline: str = Field(description="the baseline scenario file, relative to this file")
    scenarios: list[str] = Field([], description="alternative scenario files, compared to it")
    parameters: dict[str, list[Any] | Range] = Field(
        {},
        description="dotted scenario paths to vary: a list of values, or {low, high[, num]}",
    )
    levers: dict[str, list[Any] | Range] = Field(
        {},
        description="the policy instruments `optimize` may set: dotted scenario paths, each a "
        "list of choices or {low, high}",
    )
    warmup: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="months of burn-in run once per replicate under the baseline; every "
        "scenario and design point branches from that state (checkpoint.py)",
    )
    design: Design = Design()
    replications: int = Field(10, ge=1, le=100_000, description="runs per scenario and point")
    seed: int = Field(20240101, ge=0, strict=True, description="root seed of the experiment")
    steps: int | None = Field(None, ge=1, le=100_000, description="months (default: scenario's)")
    metrics: list[str] = Field(
        list(STEP_METRICS), min_length=1, description="per-step metrics kept in timeseries/"
    )
    outcomes: list[str] = Field(
        list(HEADLINE), min_length=1, description="per-run metrics for sensitivity and heatmaps"
    )
    max_run_seconds: float | None = Field(
        None, gt=0, description="a run still going after this many seconds is failed"
    )
    record: list[RecordKind] = Field(
        [],
        description="agent-level records to keep from every run (with each scenario's own "
        "`record:`), written as datasets with run_id: actors/, innovations/, deals/, ties/",
    )
    backend: BackendSpec = BackendSpec()

    @field_validator("parameters", "levers")
    @classmethod
    def _known_paths(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        for path, values in parameters.items():
            why = path_problem(path)
            if why is None and path.split(".")[0] in ("seed", "steps", "name", "description"):
                why = "set by the experiment itself (seed, steps), not a design parameter"
            if why is None and is_model(field_type(path)):
                why = f"is a section; name one of its parameters, e.g. {path}.{_first(path)}"
            if why:
                raise ValueError(f"{path}: {why}")
            if isinstance(values, list) and not values:
                raise ValueError(f"{path}: an empty list; give at least one value")
        return parameters

    @field_validator("metrics")
    @classmethod
    def _step_metrics(cls, names: list[str]) -> list[str]:
        return _known(names, PER_STEP, "per-step metric")

    @field_validator("outcomes")
    @classmethod
    def _run_metrics(cls, names: list[str]) -> list[str]:
        return _known(names, PER_RUN, "per-run metric")

    @model_validator(mode="after")
    def _design_fits(self):
        ranges = [p for p, v in self.parameters.items() if isinstance(v, Range)]
        lists = [p for p, v in self.parameters.items() if isinstance(v, list)]
        if self.design.kind == "grid":
            for path in ranges:
                if self.parameters[path].num is None:
                    raise ValueError(f"parameters.{path}.num: a range in a grid needs num")
        else:
            if not ranges or lists:
                raise ValueError(
                    f"parameters: a {self.design.kind} design needs every parameter as "
                    f"{{low, high}}, and at least one; lists given for: {lists or 'none'}"
                )
            if self.design.kind in ("sobol", "morris") and len(ranges) < 2:
                raise ValueError(f"parameters: a {self.design.kind} design needs >= 2 parameters")
        return self

    @model_validator(mode="after")
    def _size(self):
        points = design_size(self)
        scenarios = 1 + len(self.scenarios)
        runs = scenarios * points * self.replications
        if runs > MAX_RUNS:
            raise ValueError(
                f"parameters: {runs:,} runs = {scenarios} scenarios x {points:,} design points "
                f"({self.design.kind}) x {self.replications:,} replications; at most "
                f"{MAX_RUNS:,} runs per sweep: use fewer values, samples or replications, or "
                "split the experiment"
            )
        return self


def design_size(exp: Experiment) -> int:
    """How many design points the design makes, counted without making them."""
    n, d = exp.design.samples, len(exp.parameters)
    if exp.design.kind == "grid":
        axes = [len(v) if isinstance(v, list) else v.num for v in exp.parameters.values()]
        return math.prod(axes)  # 1 when nothing is varied
    if exp.design.kind == "sobol":  # Saltelli: N (D + 2), or N (2D + 2) with second order
        return n * (2 * d + 2 if exp.design.second_order else d + 2)
    if exp.design.kind == "morris":  # N trajectories of D + 1 points
        return n * (d + 1)
    return n


def _first(path: str) -> str:
    return next(iter(field_type(path).model_fields))


def _known(names: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    for name in names:
        if name not in allowed:
            raise ValueError(f"unknown {what} {name!r}; allowed: {', '.join(allowed)}")
    if len(set(names)) < len(names):
        raise ValueError("a metric is named twice")
    return names


@dataclass(frozen=True)
class LoadedExperiment:
    """A validated experiment with its scenarios loaded, baseline first."""

    source: str
    experiment: Experiment
    scenarios: dict[str, Scenario]
    files: dict[str, str]  # scenario name -> file path as given
    sha256: str  # of the experiment file's bytes

    @property
    def baseline(self) -> str:
        return next(iter(self.scenarios))


# each kind of file, as a message names it, and the command that takes it
KINDS = {
    "scenario": ("a scenario", "scenarios/", "use run or compare"),
    "experiment": ("an experiment", "experiments/", "use sweep"),
    "targets": ("a targets", "targets/", "use calibrate --targets"),
    "calibration": ("a calibration settings", "calibrations/", "use calibrate --config"),
}


def file_kind(data: dict[str, Any]) -> str:
    """What a config file is, by its top-level keys: experiment (`baseline:`), targets
    (`targets:`), calibration settings (`parameters:` without `baseline:`) or scenario."""
    if "baseline" in data:
        return "experiment"
    if "targets" in data:
        return "targets"
    return "calibration" if "parameters" in data else "scenario"


def require_kind(path: str, want: str, command: str) -> None:
    """Refuse, in one line, a file of another kind than `want` given to `command`. Raises
    ScenarioError (also for a file that cannot be read)."""
    kind = file_kind(read_mapping(path, want))
    if kind != want:
        (given, _, use), (takes, where, _) = KINDS[kind], KINDS[want]
        raise ScenarioError(
            [f"{path}: this is {given} file; {command} takes {takes} (see {where}); {use}"]
        )


def load_experiment(path: str | os.PathLike[str], overrides: list[str] = ()) -> LoadedExperiment:
    """Read and check an experiment file, apply `path=value` overrides, load its scenarios and
    check every parameter value against each of them. Raises ScenarioError."""
    source = str(path)
    data = read_mapping(source, "experiment")
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
    return experiment_from_data(data, source, os.path.dirname(source), digest, overrides)


def experiment_from_data(
    data: dict[str, Any], source: str, here: str, digest: str, overrides: list[str] = ()
) -> LoadedExperiment:
    """An experiment from raw data (scenario paths relative to `here`); messages name
    `source`. Raises ScenarioError."""
    problems = apply_overrides(data, list(overrides), Experiment)
    experiment = None
    if not problems:
        experiment, problems = validate_data(data, Experiment)
    if problems:
        raise ScenarioError(lines(source, problems))
    scenarios, files = _scenarios(source, here, experiment)
    problems = parameter_problems(experiment.parameters, scenarios)
    problems += parameter_problems(experiment.levers, scenarios, "levers")
    problems += warmup.problems(experiment, scenarios)
    if problems:
        raise ScenarioError(lines(source, problems))
    return LoadedExperiment(source, experiment, scenarios, files, digest)


def _scenarios(source: str, here: str, experiment: Experiment) -> tuple[dict[str, Scenario], dict]:
    """The scenarios named in the experiment, by name, baseline first."""
    scenarios: dict[str, Scenario] = {}
    files: dict[str, str] = {}
    messages: list[str] = []
    labelled = [("baseline", experiment.baseline)]
    labelled += [(f"scenarios[{i}]", f) for i, f in enumerate(experiment.scenarios)]
    for label, file in labelled:
        shown = os.path.normpath(os.path.join(here, file))
        if not os.path.isfile(shown):
            messages.append(f"{source}: {label}: {shown} does not exist")
            continue
        try:
            scenario = load_scenario(shown)
        except ScenarioError as err:
            messages += err.messages
            continue
        if scenario.name in scenarios:
            messages.append(
                f"{source}: {label}: scenario name {scenario.name!r} is used twice; "
                "names identify scenarios in the results"
            )
        scenarios[scenario.name] = scenario
        files[scenario.name] = shown
    if messages:
        raise ScenarioError(messages)
    return scenarios, files


def parameter_problems(
    parameters: dict[str, Any], scenarios: dict[str, Scenario], section: str = "parameters"
) -> list:
    """Each value a parameter (or lever) takes (a list's values; a range's bounds, `low` and
    `high`) must be valid in every scenario; a problem found in several scenarios is reported
    once, naming them."""
    found: dict[tuple[str, str], list[str]] = {}
    for path, spec in parameters.items():
        if isinstance(spec, list):
            values = {f"[{i}]": v for i, v in enumerate(spec)}
        else:
            values = {".low": spec.low, ".high": spec.high}
        for where, value in values.items():
            for name, scenario in scenarios.items():
                for inner, why in _value_problem(scenario, path, value):
                    # the value itself, or what it breaks elsewhere (an event, a cross-check)
                    what = why if inner in ("", path) else f"{inner}: {why}"
                    found.setdefault((f"{section}.{path}{where}", what), []).append(name)
    return [
        (where, f"{what} (in scenario{'s' if len(names) > 1 else ''} {', '.join(names)})")
        for (where, what), names in found.items()
    ]


def _value_problem(scenario: Scenario, path: str, value: Any) -> list[tuple[str, str]]:
    """(path, why) of what goes wrong when `path` takes `value` in `scenario`."""
    try:
        return event_problems(apply_changes(scenario, {path: value}))
    except ScenarioError as err:  # messages are "path: why"
        return [tuple(m.split(": ", 1)) if ": " in m else ("", m) for m in err.messages]
