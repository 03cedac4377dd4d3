"""Which trials of a shared study are still being worked on. Each process marks the trials it
asks with its host and pid and a heartbeat every HEARTBEAT_SECONDS; a running trial whose
process is gone (same host, pid dead) or silent for STALE_SECONDS is failed, and its lever
values are queued again (as `enqueue_trial` does), so no trial is lost when a process is killed."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

HEARTBEAT_SECONDS = 30.0
STALE_SECONDS = 300.0  # ten heartbeats missed: the process (or its machine) is gone
OWNER = "owner"  # user attr: host:pid of the process running the trial
HEARTBEAT = "heartbeat"  # user attr: when that process last said it is alive (Unix time)
FAILURE = "failure"  # user attr: why the trial's runs failed
RETRY_OF = "retry_of"  # user attr of a queued trial: the number of the trial it repeats
GENERATION = "NSGAIISampler:generation"  # the system attr in which NSGA-II keeps it


def claim_trial(trial: optuna.Trial) -> None:
    """Mark an asked trial (an optuna Trial) as this process's."""
    trial.set_user_attr(OWNER, f"{socket.gethostname()}:{os.getpid()}")
    trial.set_user_attr(HEARTBEAT, time.time())


@contextmanager
def heartbeat(trials: list[optuna.Trial]) -> Iterator[None]:
    """Keep the trials' heartbeats fresh while the block runs (their runs may wait for hours
    in a SLURM queue)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            for trial in trials:
                try:
                    trial.set_user_attr(HEARTBEAT, time.time())
                except UpdateFinishedTrialError:
                    continue  # another process took it for dead

    thread = threading.Thread(target=beat, name="optimize-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def recover(study: optuna.Study) -> list[int]:
    """Fail the running trials of dead processes and queue their lever values again; the
    numbers of the trials failed. Call with the folder's lock held."""
    now, failed = time.time(), []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not _dead(trial, now):
            continue
        study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
        study.add_trial(_again(trial))
        failed.append(trial.number)
    return failed


def _again(trial: FrozenTrial) -> FrozenTrial:
    """The trial queued again: what `study.enqueue_trial(trial.params)` queues, in the same
    NSGA-II generation, so that it takes the place of the lost one in that population."""
    system = {"fixed_params": trial.params}
    if GENERATION in trial.system_attrs:
        system[GENERATION] = trial.system_attrs[GENERATION]
    return optuna.trial.create_trial(
        state=TrialState.WAITING, system_attrs=system, user_attrs={RETRY_OF: trial.number}
    )


def alive_or_done(trial: FrozenTrial) -> bool:
    """Whether a trial counts towards the study's total: finished (its runs failing too), or
    running; not one a dead process left, nor one queued."""
    if trial.state == TrialState.FAIL:
        return FAILURE in trial.user_attrs
    return trial.state in (TrialState.COMPLETE, TrialState.RUNNING)


def _dead(trial: FrozenTrial, now: float) -> bool:
    """Whether the process running `trial` (a FrozenTrial) is gone."""
    host, _, pid = str(trial.user_attrs.get(OWNER, "")).rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
        return True
    last = trial.user_attrs.get(HEARTBEAT) or trial.datetime_start.timestamp()
    return now - last > STALE_SECONDS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
