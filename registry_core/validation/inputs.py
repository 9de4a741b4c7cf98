"""Data files given on a command line: a file, a directory or a glob, and their format.

Standard library only, so that commands which only need to find their inputs (``llmsr drift``)
do not pay for importing the validation engine.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from registry_core.errors import InvalidInput

__all__ = ["EXTENSIONS", "FORMATS", "detect_format", "expand_inputs"]

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".avro": "avro",
}
EXTENSIONS = {"jsonl": "jsonl", "parquet": "parquet", "csv": "csv", "avro": "avro"}


def expand_inputs(data: str | os.PathLike[str]) -> list[Path]:
    """A file, a directory (its data files, sorted) or a glob, as a list of files."""
    text = os.fspath(data)
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)
        if not files:
            raise InvalidInput(f"no data files (.jsonl, .parquet, .csv, .avro) in {text}")
        return files
    if path.is_file():
        return [path]
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise InvalidInput(f"no files match {text}")
        return files
    raise InvalidInput(f"no such file or directory: {text}")


def detect_format(files: list[Path], given: str | None = None) -> str:
    if given:
        if given not in EXTENSIONS:
            raise InvalidInput(f"unknown format {given!r}; use jsonl, parquet, csv or avro")
        return given
    kinds = {FORMATS.get(f.suffix.lower()) for f in files}
    if None in kinds:
        odd = next(f for f in files if f.suffix.lower() not in FORMATS)
        raise InvalidInput(
            f"cannot tell the format of {odd} from its extension; pass --format "
            "(jsonl, parquet, csv, avro)"
        )
    if len(kinds) > 1:
        raise InvalidInput(f"the inputs mix formats ({', '.join(sorted(map(str, kinds)))})")
    return str(kinds.pop())
