"""The side-by-side page's helper: a second process that steps the second ecosystem, and draws
its network, while this process does the first, so the two share the machine's two cores.

The helper keeps a replica of each run it is sent. After each month it sends back the run's
state (what a month changes: arrays, random generators, metrics, layout), which replaces the
run's in this process, so the page reads the run as if it had stepped here; the results are
the same bit for bit. When the helper is not there (still starting, busy with another page,
gone, or turned off with SIM_VIZ_HELPER=off), the run steps here.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import traceback
import warnings
from collections import OrderedDict
from typing import Any

from .classroom import ClassroomModel

SWITCH = "SIM_VIZ_HELPER"  # "off": every run steps in this process
KEPT = 8  # replicas the helper keeps (one per page open; a Reset makes a new one)
# what a month changes in a ClassroomModel (Mesa's clock aside: each process keeps its own)
MONTHLY = ("state", "layout", "_series", "rng", "params", "running", "recorder")


def monthly(run: ClassroomModel) -> dict[str, Any]:
    """The parts of `run` that a month changes, to send to the other process."""
    fields = {name: getattr(run, name) for name in MONTHLY}
    fields["python_random"] = run.random.getstate()
    return fields


def install(run: ClassroomModel, fields: dict[str, Any]) -> None:
    """Give `run` the month in `fields` (from `monthly`); its Mesa agents follow when read."""
    fields = dict(fields)
    run.random.setstate(fields.pop("python_random"))
    run.__dict__.update(fields)


class Helper:
    """This process's end of the helper: started on first use, in the background."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one request at a time; a busy helper is passed over
        self._conn: Any = None
        self.process: multiprocessing.process.BaseProcess | None = None
        self._started = False
        self._ready = threading.Event()
        self._keys = itertools.count()
        self._frame_due: int | None = None  # the run whose frame the helper is drawing
        self._frames: dict[int, bytes] = {}  # frames taken, by run, until asked for

    def start(self) -> None:
        """Start the helper process unless it is started or switched off."""
        if self._started or os.environ.get(SWITCH, "on") == "off":
            return
        self._started = True
        threading.Thread(target=self._spawn, daemon=True, name="viz-helper-start").start()

    def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fork would copy the server's threads
        mine, theirs = context.Pipe()
        process = context.Process(target=serve, args=(theirs,), daemon=True, name="viz-helper")
        self.process = process
        try:
            process.start()
            theirs.close()
            if mine.recv() == "ready":
                self._conn = mine
                self._ready.set()
        except (OSError, EOFError) as err:  # no helper: every run steps here
            warnings.warn(f"the side-by-side page's helper did not start: {err}", stacklevel=1)

    def key(self) -> int:
        """A new run's name at the helper."""
        return next(self._keys)

    def wait(self, timeout: float) -> bool:
        """Whether the helper is ready, waiting up to `timeout` seconds."""
        return self._ready.wait(timeout)

    def send(self, message: tuple) -> bool:
        """Send a month to do, whose answer `answer` takes; False if the helper is not there
        or is busy with another page's month (then nothing is sent)."""
        if not self._ready.is_set() or not self._lock.acquire(blocking=False):
            return False
        try:
            self._collect()  # a frame still on its way from the month before
            self._conn.send(message)
            return True
        except (OSError, EOFError, ValueError):  # gone
            self._ready.clear()
            self._lock.release()
            return False

    def answer(self, key: int) -> Any:
        """The month that `send` sent for run `key`, done; None if the helper failed or is
        gone. Its frame, if it draws one, comes after: `frame` takes it."""
        try:
            kind, value = self._conn.recv()
            if kind == "done" and value[1]:  # a frame will follow
                self._frame_due = key
        except (OSError, EOFError):  # gone: every run steps here from now on
            self._ready.clear()
            return None
        finally:
            self._lock.release()
        if kind == "error":
            warnings.warn(f"the side-by-side page's helper failed:\n{value}", stacklevel=1)
        return value[0] if kind == "done" else None

    def frame(self, key: int) -> bytes | None:
        """The frame the helper drew for run `key` after its last month, once (waiting for it
        while it is drawn); None if there is none or the helper is busy."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._frame_due == key:
                self._collect()
            return self._frames.pop(key, None)
        except (OSError, EOFError):
            self._ready.clear()
            return None
        finally:
            self._lock.release()

    def _collect(self) -> None:
        """Take the frame on its way, if one is (the lock held)."""
        if self._frame_due is not None:
            key, self._frame_due = self._frame_due, None
            _, frame = self._conn.recv()
            if frame is not None:
                self._frames[key] = frame


HELPER = Helper()


class Helped:
    """A run that takes its months from the helper when it can: `begin` sends the month before
    this process does its own work, and the run's step takes it (`take`). `wanted` is the
    network frame to draw there after the month (width, legend, the picture's options), drawn
    while this process draws the other run's; `prepared` is the last one, with its month."""

    def __init__(self, run: ClassroomModel, built_with: dict[str, Any], helper: Helper = HELPER):
        self.run, self.built_with, self.helper = run, built_with, helper
        run.helped = self
        self.key = helper.key()
        self.at_helper: int | None = None  # the month of the helper's replica, if it is known
        self.wanted: tuple | None = None
        self.prepared: tuple | None = None
        self._sent: tuple | None = None  # the frame settings of the month sent, if one was
        helper.start()

    def begin(self) -> None:
        """Send the next month to the helper, if it is there and free."""
        run = self.run
        # the helper's replica is given this process's month unless it is already there
        adopt = None if self.at_helper == run.steps else {**monthly(run), "steps": run.steps}
        build = (type(run), self.built_with)  # how the helper makes its replica
        sent = self.helper.send(("step", self.key, build, adopt, self.wanted))
        self._sent = (self.wanted,) if sent else None

    def take(self) -> bool:
        """Give the run the month the helper did, if it did (else the run steps itself)."""
        run = self.run
        done = self.helper.answer(self.key) if self._sent else None
        wanted = self._sent[0] if self._sent else None
        self._sent = None
        if done is None:
            self.at_helper = None
            return False
        with run.lock:
            install(run, done)
        self.at_helper = run.steps
        self.prepared = None if wanted is None else ((run.steps, *wanted), None)
        return True

    def frame(self, width: int, legend: str, options: dict) -> bytes | None:
        """The network frame drawn at the helper for this month and these settings, if it
        was; the settings are noted for the next month."""
        self.wanted = (width, legend, options)
        if self.prepared is None or self.prepared[0] != (self.run.steps, *self.wanted):
            return None
        if self.prepared[1] is None:  # still on its way
            self.prepared = (self.prepared[0], self.helper.frame(self.key))
        return self.prepared[1]


def serve(conn: Any) -> None:
    """The helper process: step, and draw, the runs it is sent until the pipe closes."""
    from .drawing import NetworkPicture, jpeg

    runs: OrderedDict[int, ClassroomModel] = OrderedDict()
    pictures: dict[tuple, NetworkPicture] = {}
    conn.send("ready")
    while True:
        try:
            _, key, (kind, built_with), adopt, wanted = conn.recv()
        except (EOFError, OSError):  # the page's process is gone
            return
        try:
            run = runs.pop(key, None)
            if adopt is not None:
                run = run or kind(**built_with)
                install(run, adopt)
            if run is None:  # forgotten: the page's process sends the month next time
                conn.send(("forgotten", None))
                continue
            runs[key] = run
            while len(runs) > KEPT:
                runs.popitem(last=False)
            run.steps += 1  # as Mesa's step does before the model's own
            ClassroomModel.step(run)
            conn.send(("done", (monthly(run), wanted is not None)))
        except Exception:  # the page steps the run itself, and shows the error if it recurs
            conn.send(("error", traceback.format_exc()))
            continue
        if wanted is not None:  # drawn while the page's process draws the other run
            width, legend, options = wanted
            try:
                shape = (width, run.aspect, legend)
                picture = pictures.get(shape) or pictures.setdefault(shape, NetworkPicture(*shape))
                frame = jpeg(picture.image(run.state, run.layout.pos, "", **options))
            except Exception:  # the page draws it itself
                traceback.print_exc()
                frame = None
            conn.send(("frame", frame))
