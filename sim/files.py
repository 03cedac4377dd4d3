"""Writing files so that a crash never leaves one half-written."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through a temporary file in the same folder, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    """A DataFrame as a Parquet file, atomically."""
    return atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def write_json(path: Path, data: Any) -> Path:
    """JSON data (already plain) as an indented file, atomically."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def plain(value: Any) -> Any:
    """JSON-ready data: numpy scalars to Python numbers, NaN and infinity to None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
