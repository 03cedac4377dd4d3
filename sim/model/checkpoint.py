"""Checkpoints: a run's whole state at the end of a month, as a documented, versioned set of
files (JSON and numpy's npz, never pickles), from which the run continues bit for bit, or a
branch continues under another scenario (docs/policy-exploration.md, "Checkpoints").

The files, each listed with its SHA-256 in checkpoint.json:
- checkpoint.json: format, version, model fingerprint, month, seed, the files' digests;
- scenario.json: the parameters in force at that month (events and the adaptive rule applied);
- state.json: the clock, ids handed out, money sources and sinks, formats under way, the
  random generators' states (numpy's bit generators with their seed sequences, and Python's);
- tables.npz: every column of the actor, tie, stake, product and award tables, and the
  per-field arrays (numpy's npz, loaded with allow_pickle=False);
- series.npz: the per-step metrics so far, one array per metric, one value per month (npz
  rather than Parquet: loading it starts no thread pool, so a refused load exits at once).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ScenarioError
from ..schema import Challenge, Jam, Scenario
from .metrics import PER_STEP
from .records import NoRecords
from .state import State, Table

FORMAT = "ecosim-checkpoint"
VERSION = 1  # of the file layout; a change to it or to the model's state makes a new one
FILES = ("checkpoint.json", "scenario.json", "state.json", "tables.npz", "series.npz")
BIT_GENERATORS = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
    "MT19937": np.random.MT19937,
}
_CACHES = ("_neighbours",)  # rebuilt from the ties when next needed
_SPECS = {"jam": Jam, "challenge": Challenge}


@dataclass(frozen=True)
class Checkpoint:
    """A run at the end of month `month`: what EcosystemModel.resume continues from."""

    month: int
    seed: int
    scenario: Scenario
    state: State
    series: dict[str, list[float]]
    rng: np.random.Generator
    python_random: tuple


@functools.cache
def package_version() -> str:
    try:
        return metadata.version("innovation-ecosystem-sim")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


@functools.cache  # a worker checks it for every run it resumes
def fingerprint() -> str:
    """What identifies the model's state layout: every table's columns and dtypes, the State's
    attributes and the per-step metrics. A checkpoint with another fingerprint is refused."""
    probe = State(fields=2, capacity=4)
    layout = {
        name: (
            sorted((c, str(d), list(e)) for c, (d, e, _) in value._spec.items())
            if isinstance(value, Table)
            else type(value).__name__
        )
        for name, value in sorted(vars(probe).items())
    }
    text = json.dumps({"state": layout, "metrics": list(PER_STEP)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- capture -----------------------------------------------------------------------------
def capture(model: Any) -> dict[str, bytes]:
    """The model's state as the checkpoint's files, by name (in memory, for a worker to send)."""
    if model.state.journal is not None or not isinstance(model.recorder, NoRecords):
        raise ScenarioError(
            [
                "record: a run that keeps agent-level records (or a money journal) cannot be "
                "checkpointed yet; remove record: from the scenario (or --record)"
            ]
        )
    scalars, arrays = _split_state(model.state)
    state = scalars | {
        "rng": rng_state(model.rng),
        "python_random": _python_random(model.random.getstate()),
    }
    series = {name: np.asarray(v, dtype=float) for name, v in model._series.items()}
    files = {
        "scenario.json": _json(model.params.model_dump(mode="json")),
        "state.json": _json(state),
        "tables.npz": _npz(arrays),
        "series.npz": _npz(series),
    }
    head = {
        "format": FORMAT,
        "version": VERSION,
        "package_version": package_version(),
        "fingerprint": fingerprint(),
        "month": int(model.steps),
        "seed": int(model.seed),
        "scenario": model.params.name,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    return {"checkpoint.json": _json(head)} | files


def _split_state(state: State) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The State's plain values (for JSON) and its arrays (for npz, keyed table/column)."""
    scalars: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    for name, value in vars(state).items():
        if name in _CACHES or name == "journal":
            continue
        if isinstance(value, Table):
            scalars[f"{name}.n"] = value.n
            for column in value._spec:
                arrays[f"{name}/{column}"] = getattr(value, column)
        elif isinstance(value, np.ndarray):
            arrays[name] = value
        elif name == "formats":
            scalars[name] = [_format_data(fmt) for fmt in value]
        elif isinstance(value, int | float | str) or name in ("made", "sources", "sinks"):
            scalars[name] = value if isinstance(value, int | float | str) else dict(value)
        else:  # a new kind of state: teach this module to save it (and bump VERSION)
            raise TypeError(f"State.{name} ({type(value).__name__}) has no checkpoint form")
    return scalars, arrays


def _format_data(fmt: Any) -> dict[str, Any]:
    """A jam or challenge under way as JSON: its spec, arrays, numbers and its own generator."""
    kind = "jam" if isinstance(fmt.spec, Jam) else "challenge"
    data: dict[str, Any] = {"kind": kind}
    for f in dataclasses.fields(fmt):
        value = getattr(fmt, f.name)
        if f.name == "spec":
            value = value.model_dump(mode="json")
        elif isinstance(value, np.ndarray):
            value = {"dtype": str(value.dtype), "values": value.tolist()}
        elif isinstance(value, np.random.Generator):
            value = rng_state(value)
        data[f.name] = value
    return data


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    """A numpy generator's full state: its bit generator's, and its seed sequence's (which
    `spawn` advances, so it is part of what later draws depend on)."""
    bits, seq = rng.bit_generator, rng.bit_generator.seed_seq
    entropy = seq.entropy.tolist() if isinstance(seq.entropy, np.ndarray) else seq.entropy
    return {
        "bit_generator": type(bits).__name__,
        "state": _plain_ints(bits.state),
        "seed_seq": {
            "entropy": entropy,
            "spawn_key": [int(k) for k in seq.spawn_key],
            "pool_size": int(seq.pool_size),
            "n_children_spawned": int(seq.n_children_spawned),
        },
    }


def _python_random(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _plain_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_ints(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return int(value) if isinstance(value, np.integer) else value


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _arrays(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()


# --- restore -----------------------------------------------------------------------------
def restore(files: dict[str, bytes], where: str = "checkpoint") -> Checkpoint:
    """A Checkpoint from its files; refuses (ScenarioError, one line naming `where`) files
    that are damaged, missing or written by another version of the model."""
    head = _head(files, where)
    try:
        scenario = Scenario.model_validate(json.loads(files["scenario.json"]))
        state_data = json.loads(files["state.json"])
        state = _state(scenario.fields, state_data, _arrays(files["tables.npz"]))
        saved = _arrays(files["series.npz"])
        series = {name: saved[name].tolist() for name in PER_STEP}
        rng = make_rng(state_data["rng"])
        python_random = _python_random_tuple(state_data["python_random"])
    except ScenarioError:
        raise
    except Exception as err:  # the digests matched, so this is a layout we do not know
        raise ScenarioError(
            [f"{where}: cannot be read by this version ({type(err).__name__}: {err})"]
        ) from None
    return Checkpoint(head["month"], head["seed"], scenario, state, series, rng, python_random)


def _head(files: dict[str, bytes], where: str) -> dict[str, Any]:
    """checkpoint.json, checked: format, version, fingerprint and every file's digest."""
    missing = [name for name in FILES if name not in files]
    if "checkpoint.json" in missing:
        raise ScenarioError([f"{where}: not a checkpoint (no checkpoint.json)"])
    try:
        head = json.loads(files["checkpoint.json"])
        if head.get("format") != FORMAT:
            raise ValueError("format")
    except ValueError:
        raise ScenarioError([f"{where}: checkpoint.json is damaged or not a checkpoint"]) from None
    ours = {"version": VERSION, "fingerprint": fingerprint(), "package_version": package_version()}
    for key, value in ours.items():
        if head.get(key) != value:
            raise ScenarioError(
                [
                    f"{where}: written by another version of the model ({key} "
                    f"{head.get(key)!r}, this one {value!r}); rerun its warm-up with this version"
                ]
            )
    if missing:
        raise ScenarioError([f"{where}: damaged: {', '.join(missing)} missing"])
    for name, digest in head["files"].items():
        if hashlib.sha256(files[name]).hexdigest() != digest:
            raise ScenarioError([f"{where}: damaged: {name} changed since it was saved"])
    return head


def _state(fields: int, data: dict[str, Any], arrays: dict[str, np.ndarray]) -> State:
    """A State with every table, array and value of the checkpoint."""
    state = State(fields, capacity=1)
    for name, value in vars(state).items():
        if isinstance(value, Table):
            for column in value._spec:
                setattr(value, column, arrays[f"{name}/{column}"].copy())
            value.n = int(data[f"{name}.n"])
        elif isinstance(value, np.ndarray):
            setattr(state, name, arrays[name].copy())
    state.t = int(data["t"])
    state.fields = int(data["fields"])
    state.made = {k: int(v) for k, v in data["made"].items()}
    state.sources.update(data["sources"])
    state.sinks.update(data["sinks"])
    state.formats = [_format(f) for f in data["formats"]]
    return state


def _format(data: dict[str, Any]) -> Any:
    """A jam or challenge under way, from its JSON form."""
    from .mechanisms.formats import RunningChallenge, RunningJam

    cls = RunningJam if data["kind"] == "jam" else RunningChallenge
    values = {}
    for f in dataclasses.fields(cls):
        value = data[f.name]
        if f.name == "spec":
            value = _SPECS[data["kind"]].model_validate(value)
        elif f.name == "draws":
            value = make_rng(value)
        elif isinstance(value, dict):
            value = np.asarray(value["values"], dtype=np.dtype(value["dtype"]))
        values[f.name] = value
    return cls(**values)


def make_rng(data: dict[str, Any]) -> np.random.Generator:
    """The generator `rng_state` describes (only numpy's own bit generators)."""
    seq = data["seed_seq"]
    seed_seq = np.random.SeedSequence(
        seq["entropy"],
        spawn_key=tuple(seq["spawn_key"]),
        pool_size=seq["pool_size"],
        n_children_spawned=seq["n_children_spawned"],
    )
    bits = BIT_GENERATORS[data["bit_generator"]](seed_seq)
    bits.state = data["state"]
    return np.random.Generator(bits)


def _python_random_tuple(data: list) -> tuple:
    version, internal, gauss = data
    return (version, tuple(internal), gauss)


# --- folders -----------------------------------------------------------------------------
def save(model: Any, folder: Path) -> Path:
    """Write the model's checkpoint into `folder` atomically (see write)."""
    return write(capture(model), folder)


def write(files: dict[str, bytes], folder: Path) -> Path:
    """Write a checkpoint's files into `folder` atomically: they go to a new folder beside
    it, renamed into place; an older checkpoint there is replaced, anything else refused."""
    folder = Path(folder)
    if folder.exists() and not (folder / "checkpoint.json").exists() and any(folder.iterdir()):
        raise ScenarioError([f"{folder}: exists and is not a checkpoint; choose another folder"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        os.chmod(tmp, 0o755)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read(folder: Path) -> dict[str, bytes]:
    """A checkpoint folder's files, by name (those of FILES that exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([f"{folder}: no such checkpoint folder"])
    return {name: (folder / name).read_bytes() for name in FILES if (folder / name).is_file()}


def load(folder: Path) -> Checkpoint:
    """The checkpoint in `folder`, checked (see restore)."""
    return restore(read(folder), str(folder))
