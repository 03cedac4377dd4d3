"""The sweep's store on disk: run records, time series and agent-level records in Parquet
parts, crash-safe.

Each finished run is first written to `.pending/`: one Arrow file per agent-level record it
keeps (`.pending/actors/STEM.arrow`, ...), then one Arrow file of its time series with its run
record in the file's metadata (`.pending/STEM.arrow`), which marks the run as finished. So a
killed sweep loses only the runs in flight. `compact` moves the pending runs into one part of
`timeseries/` and of each record's folder (`actors/`, ...), and last one of `runs/`; `recover`
undoes whatever a crash left half done. Every file is written atomically (temp + rename). The
store does not know which backend ran a run.
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
from ..model.records import RECORDS
from .execute import RunResult
from .folder import SweepFolder

ROW_GROUP_BYTES = 16 * 2**20  # runs gathered into one Parquet row group when compacting


class Store:
    """Run records and time series of one sweep folder."""

    def __init__(self, root: Path, tag: str = ""):
        """`tag` names a shard (`s0of4`): its parts and pending runs are its own, so shards
        can write into one folder at the same time."""
        self.folder = SweepFolder(Path(root))
        self.runs_dir = self.folder.runs_parts
        self.ts_dir = self.folder.timeseries
        self.pending_dir = self.folder.pending(tag)
        self.own = re.compile(rf"part-{tag}-(\d+)\.parquet" if tag else r"part-(\d+)\.parquet")
        self.tag = tag
        for folder in (self.runs_dir, self.ts_dir, self.pending_dir):
            folder.mkdir(parents=True, exist_ok=True)

    # --- writing ------------------------------------------------------------------------

    def add(self, result: RunResult) -> None:
        """Make one finished run durable: its agent-level records (if any), then one Arrow file
        of its time series with its run record."""
        stem = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
        for name, table in result.records.items():
            if table.num_rows:  # a record with no rows (no deals, say) adds nothing
                (self.pending_dir / name).mkdir(exist_ok=True)
                _write_arrow(self.pending_dir / name / f"{stem}.arrow", table)
        table = pa.table({}) if result.timeseries is None else result.timeseries
        record = json.dumps(result.row | {"record": stem}, default=_plain)
        _write_arrow(
            self.pending_dir / f"{stem}.arrow", table.replace_schema_metadata({"run": record})
        )

    def pending(self) -> int:
        """How many finished runs wait in `.pending/`."""
        return sum(1 for _ in self.pending_dir.glob("*.arrow"))

    def compact(self) -> None:
        """Move the pending runs into the next part of timeseries/, of each record's folder,
        and last of runs/ (which commits the part)."""
        files = sorted(self.pending_dir.glob("*.arrow"))
        if not files:
            return
        schemas = [_schema(p) for p in files]
        records = pd.DataFrame([json.loads(s.metadata[b"run"]) for s in schemas])
        part = f"part-{self.tag + '-' if self.tag else ''}{self._next_part():06d}.parquet"
        series = [p for p, s in zip(files, schemas, strict=True) if len(s)]  # failed: none
        if series:
            _write_part(self.ts_dir / part, series)
        kinds = self._pending_records()
        for name in kinds:
            chunks = [self.pending_dir / name / p.name for p in files]
            chunks = [p for p in chunks if p.exists()]
            if chunks:
                self.folder.record(name).mkdir(exist_ok=True)
                _write_part(self.folder.record(name) / part, chunks)
        write_parquet(self.runs_dir / part, records)
        for path in files:
            for name in kinds:
                (self.pending_dir / name / path.name).unlink(missing_ok=True)
            path.unlink()
        pa.default_memory_pool().release_unused()  # hand what compacting took back to the OS

    def recover(self) -> None:
        """Clean up after a crash, then compact what is pending."""
        pending = [self.pending_dir / name for name in self._pending_records()]
        parts = [self.runs_dir, self.ts_dir, *map(self.folder.record, RECORDS)]
        for folder in [*parts, self.pending_dir, *pending]:
            for tmp in folder.glob(".*.tmp"):  # `.NAME.XXXX.tmp`: a write cut short
                name = tmp.name[1:].rsplit(".", 2)[0]
                if folder.is_relative_to(self.pending_dir) or self.own.fullmatch(name):
                    tmp.unlink()
        committed = {p.name for p in self.runs_dir.glob("part-*.parquet")}
        for folder in parts[1:]:
            for orphan in folder.glob("part-*.parquet"):
                if self.own.fullmatch(orphan.name) and orphan.name not in committed:
                    orphan.unlink()  # a crash between the writes of compact
        done = set(self._committed()["record"]) if committed else set()
        for path in self.pending_dir.glob("*.arrow"):
            if path.name.removesuffix(".arrow") in done:  # a crash after compact's writes
                path.unlink()
        for folder in pending:  # records of a run cut short, or of one already compacted
            for path in folder.glob("*.arrow"):
                if not (self.pending_dir / path.name).exists():
                    path.unlink()
        self.compact()

    # --- reading ------------------------------------------------------------------------

    def records(self) -> pd.DataFrame:
        """Every committed and pending run record, oldest first (a rerun comes after)."""
        pending = [
            json.loads(_schema(p).metadata[b"run"])
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

    def _pending_records(self) -> list[str]:
        return [name for name in RECORDS if (self.pending_dir / name).is_dir()]

    def _committed(self) -> pd.DataFrame:
        parts = sorted(self.runs_dir.glob("part-*.parquet"))
        if not parts:
            return pd.DataFrame(columns=["run_id", "record"])
        return pd.concat(map(pd.read_parquet, parts), ignore_index=True)

    def _next_part(self) -> int:
        folders = (self.runs_dir, self.ts_dir, *map(self.folder.record, RECORDS))
        names = [p.name for d in folders for p in d.glob("part-*.parquet")]
        numbers = [int(m[1]) for n in names if (m := self.own.fullmatch(n))]
        return max(numbers, default=-1) + 1


def _write_arrow(path: Path, table: pa.Table) -> None:
    # uncompressed: these files live only until the next compaction, and this is faster
    atomic_write(path, lambda p: feather.write_feather(table, p, compression="uncompressed"))


def _schema(path: Path) -> pa.Schema:
    """The schema (with metadata) of a pending Arrow file, without reading its data."""
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).schema


def _write_part(path: Path, files: list[Path]) -> None:
    """One Parquet part from several runs' Arrow files, read a few at a time so that memory
    stays flat; a column all-null in some runs takes the type it has in the others."""
    schemas = [_schema(p).remove_metadata() for p in files]
    schema = pa.unify_schemas(schemas, promote_options="default")

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema) as writer:
            batch: list[pa.Table] = []
            size = 0
            for file in files:
                table = feather.read_table(file, memory_map=False)
                batch.append(table.replace_schema_metadata(None).cast(schema))
                size += batch[-1].nbytes
                if size >= ROW_GROUP_BYTES:
                    writer.write_table(pa.concat_tables(batch))
                    batch, size = [], 0
            if batch:
                writer.write_table(pa.concat_tables(batch))

    atomic_write(path, write)


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, for json."""
    return value.item()
