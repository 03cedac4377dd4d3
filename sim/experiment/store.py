"""The sweep's store on disk: run records and time series in Parquet parts, crash-safe.

Each finished run is first written to `.pending/` as one small Arrow file (its time series,
with its record in the file's metadata), so a killed sweep loses only the runs in flight.
`compact` moves the pending runs into one part of `runs/` and one of `timeseries/`, the runs
part last; `recover` undoes whatever a crash left half done. Every file is written atomically
(temp + rename). The store does not know which backend ran a run.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import feather

from ..files import atomic_write, write_parquet


class Store:
    """Run records and time series of one sweep folder."""

    def __init__(self, root: Path, tag: str = ""):
        """`tag` names a shard (`s0of4`): its parts and pending runs are its own, so shards
        can write into one folder at the same time."""
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.ts_dir = self.root / "timeseries"
        self.pending_dir = self.root / (f".pending-{tag}" if tag else ".pending")
        self.own = re.compile(rf"part-{tag}-(\d+)\.parquet" if tag else r"part-(\d+)\.parquet")
        self.tag = tag
        for folder in (self.runs_dir, self.ts_dir, self.pending_dir):
            folder.mkdir(parents=True, exist_ok=True)

    # --- writing ------------------------------------------------------------------------

    def add(self, result: dict[str, Any]) -> None:
        """Make one finished run durable: one Arrow file, its time series with its record."""
        stem = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
        frame = result["timeseries"]
        table = pa.table({}) if frame is None else pa.Table.from_pandas(frame, preserve_index=False)
        record = json.dumps(result["run"] | {"record": stem}, default=_plain)
        table = table.replace_schema_metadata({"run": record})
        atomic_write(self.pending_dir / f"{stem}.arrow", lambda p: feather.write_feather(table, p))

    def pending(self) -> int:
        """How many finished runs wait in `.pending/`."""
        return sum(1 for _ in self.pending_dir.glob("*.arrow"))

    def compact(self) -> None:
        """Move the pending runs into the next part of timeseries/ and runs/."""
        files = sorted(self.pending_dir.glob("*.arrow"))
        if not files:
            return
        tables = [feather.read_table(p, memory_map=False) for p in files]
        records = pd.DataFrame([json.loads(t.schema.metadata[b"run"]) for t in tables])
        series = [t.replace_schema_metadata(None) for t in tables if t.num_columns]
        part = f"part-{self.tag + '-' if self.tag else ''}{self._next_part():06d}.parquet"
        if series:
            table = pa.concat_tables(series, promote_options="default")
            atomic_write(self.ts_dir / part, lambda p: pq.write_table(table, p))
        write_parquet(self.runs_dir / part, records)
        for path in files:
            path.unlink()

    def recover(self) -> None:
        """Clean up after a crash, then compact what is pending."""
        for folder in (self.runs_dir, self.ts_dir, self.pending_dir):
            for tmp in folder.glob(".*.tmp"):  # `.NAME.XXXX.tmp`: a write cut short
                name = tmp.name[1:].rsplit(".", 2)[0]
                if folder == self.pending_dir or self.own.fullmatch(name):
                    tmp.unlink()
        committed = {p.name for p in self.runs_dir.glob("part-*.parquet")}
        for orphan in self.ts_dir.glob("part-*.parquet"):
            if self.own.fullmatch(orphan.name) and orphan.name not in committed:
                orphan.unlink()  # a crash between the two writes of compact
        done = set(self._committed()["record"]) if committed else set()
        for path in self.pending_dir.glob("*.arrow"):
            if path.name.removesuffix(".arrow") in done:  # a crash after compact's writes
                path.unlink()
        self.compact()

    # --- reading ------------------------------------------------------------------------

    def records(self) -> pd.DataFrame:
        """Every committed and pending run record, oldest first (a rerun comes after)."""
        pending = [
            json.loads(feather.read_table(p).schema.metadata[b"run"])
            for p in sorted(self.pending_dir.glob("*.arrow"))
        ]
        frames = [f for f in (self._committed(), pd.DataFrame(pending)) if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["run_id"])

    def latest(self) -> pd.DataFrame:
        """The latest record of each run that has one, by run_id."""
        records = self.records()
        return records.drop_duplicates("run_id", keep="last").sort_values("run_id")

    def finished(self) -> set[int]:
        """run_ids whose latest record says ok: a resumed sweep skips them."""
        latest = self.latest()
        return (
            set(latest.loc[latest["status"] == "ok", "run_id"].astype(int))
            if len(latest)
            else set()
        )

    def timeseries_parts(self) -> list[Path]:
        """The committed time-series parts, in order."""
        return sorted(self.ts_dir.glob("part-*.parquet"))

    def _committed(self) -> pd.DataFrame:
        parts = sorted(self.runs_dir.glob("part-*.parquet"))
        if not parts:
            return pd.DataFrame(columns=["run_id", "record"])
        return pd.concat(map(pd.read_parquet, parts), ignore_index=True)

    def _next_part(self) -> int:
        names = [p.name for d in (self.runs_dir, self.ts_dir) for p in d.glob("part-*.parquet")]
        numbers = [int(m[1]) for n in names if (m := self.own.fullmatch(n))]
        return max(numbers, default=-1) + 1


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, for json."""
    return value.item()
