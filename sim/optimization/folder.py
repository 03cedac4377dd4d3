"""An optimisation folder: its files, the settings record that says which study it holds,
and the lock its writers take in turn."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ScenarioError
from ..files import plain, write_json
from .problem import SAME, Problem


@dataclass(frozen=True)
class OptimizeFolder:
    """The files of one optimisation folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "study.db"  # optuna's study: every trial, in SQLite

    @property
    def settings(self) -> Path:
        return self.root / "optimize.json"  # which study the folder holds (resume check)

    @property
    def trials_csv(self) -> Path:
        return self.root / "trials.csv"

    @property
    def pareto_csv(self) -> Path:
        return self.root / "pareto.csv"

    @property
    def pareto_png(self) -> Path:
        return self.root / "pareto.png"

    @property
    def report_html(self) -> Path:
        return self.root / "report.html"

    @property
    def slurm_logs(self) -> Path:
        return self.root / "slurm-logs"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder while checking its settings, recovering trials or writing the
        outputs. Unlike a sweep's lock it waits: processes that share the study (several
        machines on one file system) take turns, each for a moment. Released by the OS if the
        process dies."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".optimize.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

    def claim(self, problem: Problem) -> bool:
        """Record the study's settings in a new folder, or check that the folder holds this
        study already; True when it does (a resume). Hold the lock. Raises ScenarioError in
        one line when the folder holds another study."""
        wanted = plain(problem.settings())
        if not self.settings.exists():
            if self.database.exists():
                raise ScenarioError(
                    [
                        f"{self.root}: holds a study without its {self.settings.name}; choose "
                        "another --out"
                    ]
                )
            write_json(self.settings, wanted)
            return False
        found = _read(self.settings)
        for key in SAME:
            if found.get(key) != wanted[key]:
                differs = _differs(key, found.get(key), wanted[key])
                raise ScenarioError(
                    [
                        f"{self.root}: holds another study ({differs}); choose another --out, "
                        "or rerun with its settings to continue it"
                    ]
                )
        return True


def _read(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ScenarioError([f"{path}: cannot be read: {err}"]) from None
    if not isinstance(found, dict):
        raise ScenarioError([f"{path}: not a settings record (a JSON object)"])
    return found


def _differs(key: str, there: Any, asked: Any) -> str:
    """What differs between the folder's study and the one asked for, in words."""
    if key == "experiment_digest":
        return "its experiment's levers, scenarios or run time limit differ"
    if key == "objectives":
        shown = [[f"{o['direction']} {o['metric']}" for o in x or []] for x in (there, asked)]
        return f"objectives {', '.join(shown[0])} there, {', '.join(shown[1])} asked"
    return f"{key} {json.dumps(there)} there, {json.dumps(asked)} asked"
