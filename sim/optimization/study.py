"""The optuna study of a lever optimisation and its ask-and-tell loop over our backends.

Each generation asks `population` trials, runs all their runs through one `run_tasks` call on
the backend's mapper (local processes, Dask or SLURM), then tells the results in trial-number
order, so the same seed gives the same study whatever the backend or the number of workers.
The study lives in the output folder (SQLite, study.db), so rerunning continues it; trials a
dead process left running are failed and asked again (liveness.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.samplers import BaseSampler, NSGAIISampler
from optuna.storages import RDBStorage
from optuna.trial import TrialState

from ..config import ScenarioError
from ..experiment import warmup
from ..experiment.backends import open_backend
from ..experiment.execute import Mapper
from .evaluate import Candidate, Score, evaluate
from .folder import OptimizeFolder
from .front import PER_SCENARIO, SEEDS
from .levers import suggest
from .liveness import FAILURE, alive_or_done, claim_trial, heartbeat, recover
from .outputs import write_outputs
from .problem import Problem


@dataclass
class Done:
    """What one call of `run` did."""

    trials: int = 0  # trials told now
    runs: int = 0
    generations: int = 0
    seconds: float = 0.0


def trial_seed(root: int, number: int) -> int:
    """The seed of NSGA-II's draws for trial `number` (its own, so that a resumed study draws
    what an uninterrupted one would: a sampler's generator would start again at resume)."""
    return int(np.random.SeedSequence([root, number]).generate_state(1)[0])


class TrialSeededNSGAII(BaseSampler):
    """optuna's NSGA-II, an NSGAIISampler made for each trial with trial_seed: what it draws
    depends only on the study's finished trials and the trial's number."""

    def __init__(self, population: int, root: int) -> None:
        self.population, self.root = population, root
        self._current = self._made(0)

    def _made(self, number: int) -> NSGAIISampler:
        return NSGAIISampler(population_size=self.population, seed=trial_seed(self.root, number))

    def before_trial(self, study, trial) -> None:
        self._current = self._made(trial.number)
        self._current.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self._current.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._current.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._current.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        self._made(trial.number).after_trial(study, trial, state, values)


def open_study(problem: Problem, folder: OptimizeFolder) -> optuna.Study:
    """The folder's study, created the first time, in SQLite (study.db): processes that share
    the folder wait up to a minute for each other's writes rather than fail."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(
        study_name=problem.name,
        storage=RDBStorage(
            f"sqlite:///{folder.database}", engine_kwargs={"connect_args": {"timeout": 60}}
        ),
        directions=[o.direction for o in problem.objectives],
        sampler=TrialSeededNSGAII(problem.population, problem.loaded.experiment.seed),
        load_if_exists=True,
    )


def run(
    problem: Problem,
    out: Path,
    trials: int,
    jobs: int,
    program: str,
    command: str,
    on_batch: Callable[[int], None] = lambda runs: None,
    on_run: Callable[[], None] = lambda: None,
    on_generation: Callable[[list[int], float], None] = lambda numbers, seconds: None,
) -> Done:
    """Run the study in `out` until it holds `trials` trials, resuming what it holds; write
    the outputs after every generation (`command` reproduces the study; `program` is how the
    report names this program). `on_batch(runs)` as a generation starts, `on_run()`
    as each run ends, `on_generation(trial numbers, seconds)` as a generation ends."""
    folder = OptimizeFolder(out)
    with folder.lock():
        folder.claim(problem)
    study = open_study(problem, folder)
    done, start = Done(), time.perf_counter()
    if _remaining(study, folder, trials) > 0:
        exp = problem.loaded.experiment
        with open_backend(exp.backend, jobs, folder.slurm_logs) as mapper:
            starts = _warm_ups(problem, out, mapper)
            while (todo := _remaining(study, folder, trials)) > 0:
                began = time.perf_counter()
                numbers = _generation(study, problem, mapper, todo, on_batch, on_run, starts)
                with folder.lock():
                    write_outputs(study, problem, folder, program, command)
                done.trials += len(numbers)
                done.runs += len(numbers) * problem.runs_per_trial()
                done.generations += 1
                on_generation(numbers, time.perf_counter() - began)
    if not done.generations:  # nothing to run: the outputs as the study stands
        with folder.lock():
            write_outputs(study, problem, folder, program, command)
    done.seconds = time.perf_counter() - start
    return done


def _warm_ups(problem: Problem, out: Path, mapper: Mapper) -> dict[int, dict[str, bytes]]:
    """With `warmup:`, each common seed's warm-up checkpoint (run once, kept in OUT/warmup/):
    every trial branches from the same ecosystems. Raises ScenarioError if one fails."""
    loaded = problem.loaded
    months = loaded.experiment.warmup
    if months is None:
        return {}
    found = warmup.starts(loaded.scenarios[loaded.baseline], months, problem.seeds(), out, mapper)
    failed = [why for why in found.values() if isinstance(why, str)]
    if failed:
        raise ScenarioError([f"{out}: {failed[0]}"])
    return found


def _generation(
    study: optuna.Study,
    problem: Problem,
    mapper: Mapper,
    todo: int,
    on_batch: Callable[[int], None],
    on_run: Callable[[], None],
    starts: dict[int, dict[str, bytes]],
) -> list[int]:
    """Ask a generation of trials (at most `todo`), run them all in one go, tell them in
    trial-number order; their numbers."""
    batch = [_ask(study, problem) for _ in range(min(problem.population, todo))]
    batch.sort(key=lambda pair: pair[0].number)
    on_batch(len(batch) * problem.runs_per_trial())
    with heartbeat([trial for trial, _ in batch]):
        candidates = [Candidate(t.number, c) for t, c in batch]
        scores = evaluate(mapper, problem, candidates, on_run, starts)
    for trial, _ in batch:
        _tell(study, trial, scores[trial.number])
    return [trial.number for trial, _ in batch]


def _remaining(study: optuna.Study, folder: OptimizeFolder, trials: int) -> int:
    """Trials still to ask for: the total less those finished or running, once the trials of
    dead processes are failed and queued again."""
    with folder.lock():  # one process at a time retries a dead trial
        recover(study)
    return trials - sum(alive_or_done(t) for t in study.get_trials(deepcopy=False))


def _ask(study: optuna.Study, problem: Problem) -> tuple[optuna.Trial, dict[str, Any]]:
    """A new trial (or one queued again), marked as this process's, and its lever values."""
    trial = study.ask()
    claim_trial(trial)
    trial.set_user_attr(SEEDS, problem.seeds())
    return trial, suggest(trial, problem.levers)


def _tell(study: optuna.Study, trial: optuna.Trial, score: Score) -> None:
    """Tell the trial's values, or FAIL with the reason."""
    try:
        if score.values is None:
            trial.set_user_attr(FAILURE, score.failure)
            study.tell(trial, state=TrialState.FAIL)
        else:
            trial.set_user_attr(PER_SCENARIO, score.per_scenario)
            study.tell(trial, score.values)
    except UpdateFinishedTrialError:
        pass  # another process took this one for dead and queued it again: it runs there
