"""Datasets in object stores: ``s3://``, ``gs://`` (and anything else Arrow's file systems
open). A run copies the objects it validates into its staging folder first, so the validation
engine reads local files as always; sensors only list.

A location is a URI with an optional glob in its last part (``s3://bucket/chat/*.jsonl``).
Arrow reads connection options from the URI's query (``?endpoint_override=host:9000&
scheme=http&region=...``) and credentials from the usual environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``GOOGLE_APPLICATION_CREDENTIALS``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["RemoteObject", "fetch", "is_uri", "list_objects"]


def is_uri(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


@dataclass(frozen=True)
class RemoteObject:
    uri: str  # without the query
    path: str  # the file system's path (bucket/key)
    size: int
    mtime_ns: int


def _split(location: str) -> tuple[object, str, str, str]:
    """(file system, path, scheme, query) of a location."""
    import pyarrow.fs as pafs

    parts = urlsplit(location)
    filesystem, path = pafs.FileSystem.from_uri(location)
    return filesystem, path, parts.scheme, parts.query


def list_objects(location: str) -> list[RemoteObject]:
    """The objects a location names (a glob in its last part matches several), sorted."""
    import pyarrow.fs as pafs

    filesystem, path, scheme, _ = _split(location)
    assert isinstance(filesystem, pafs.FileSystem)
    parent, _, leaf = path.rpartition("/")
    if any(ch in leaf for ch in "*?["):
        infos = filesystem.get_file_info(pafs.FileSelector(parent, allow_not_found=True))
        infos = [i for i in infos if i.is_file and fnmatch.fnmatch(i.base_name, leaf)]
    else:
        info = filesystem.get_file_info(path)
        if info.type == pafs.FileType.Directory:
            infos = [
                i
                for i in filesystem.get_file_info(pafs.FileSelector(path, recursive=False))
                if i.is_file
            ]
        else:
            infos = [info] if info.is_file else []
    return sorted(
        (
            RemoteObject(
                uri=f"{scheme}://{i.path}",
                path=i.path,
                size=int(i.size or 0),
                mtime_ns=int(i.mtime_ns or 0),
            )
            for i in infos
        ),
        key=lambda o: o.path,
    )


def fetch(location: str, destination: Path) -> list[Path]:
    """Copy the objects of a location into ``destination``; their local paths, in order.
    An empty match is an error (as a missing local file is)."""
    import pyarrow.fs as pafs

    filesystem, _, _, _ = _split(location)
    assert isinstance(filesystem, pafs.FileSystem)
    found = list_objects(location)
    if not found:
        raise FileNotFoundError(f"no objects match {location}")
    destination.mkdir(parents=True, exist_ok=True)
    local = []
    for index, item in enumerate(found):
        target = destination / f"{index:05d}-{item.path.rsplit('/', 1)[-1]}"
        with filesystem.open_input_stream(item.path) as source, target.open("wb") as sink:
            while chunk := source.read(8 << 20):
                sink.write(chunk)
        local.append(target)
    return local
