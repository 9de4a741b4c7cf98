"""Resources: the registry, Great Expectations, OpenLineage, and the Parquet IO manager.

Thin ``ConfigurableResource`` wrappers of our own (``dagster-ge`` and ``dagster-pandera`` pin
pandas < 3 and Great Expectations < 1). Every setting can come from the environment:
``LLMSR_DATABASE_URL`` (the registry; SQLite by default), ``LLMSR_DAGSTER_STORAGE`` (where the
IO manager writes), ``LLMSR_OPENLINEAGE_DIR`` (emit OpenLineage events as files there).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from registry_core.service import Registry

__all__ = ["GreatExpectationsResource", "ParquetIOManager", "RegistryResource", "StorageResource"]

_REGISTRIES: dict[str, Registry] = {}
_LOCK = threading.Lock()


class RegistryResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The schema registry the assets validate against and report to."""

    database_url: str = ""  # empty: LLMSR_DATABASE_URL, else the embedded SQLite default
    actor: str = "dagster"  # who the registry's audit trail names for dataset registrations

    def get(self) -> Registry:
        """One ``Registry`` (and connection pool) per database per process, migrated."""
        url = self.database_url or os.environ.get("LLMSR_DATABASE_URL", "")
        with _LOCK:
            registry = _REGISTRIES.get(url)
            if registry is None:
                registry = Registry(url or None)
                if not registry.db.has_schema():
                    registry.migrate()
                _REGISTRIES[url] = registry
        return registry


class GreatExpectationsResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The Great Expectations project folder (a file data context); suites are generated from
    registered versions by ``Registry.to_great_expectations``."""

    context_root: str = ""  # empty: the repository's great_expectations/ folder

    def root(self) -> Path | None:
        return Path(self.context_root) if self.context_root else None


class StorageResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where asset outputs live: ``<root>/<key path>/<partition or 'all'>.parquet|.json``."""

    root: str = ""  # empty: LLMSR_DAGSTER_STORAGE, else .llmsr/dagster-storage

    def base(self) -> Path:
        text = self.root or os.environ.get("LLMSR_DAGSTER_STORAGE", ".llmsr/dagster-storage")
        return Path(text).resolve()

    def path_for(
        self, key: dg.AssetKey, partition: str | None = None, suffix: str = ".parquet"
    ) -> Path:
        return self.base().joinpath(*key.path) / f"{partition or 'all'}{suffix}"


class ParquetIOManager(dg.ConfigurableIOManager):
    """Asset outputs as files in the ``storage``: tables as Parquet, reports as JSON. An output
    may be a ``Path`` to a Parquet file the asset already wrote (the validation engine streams
    its splits to disk): it is moved into place, not rewritten. Inputs load as Polars
    ``LazyFrame``s (or the JSON value)."""

    storage: StorageResource

    def _path(self, context: Any, suffix: str) -> Path:
        partition = context.asset_partition_key if context.has_asset_partitions else None
        return self.storage.path_for(context.asset_key, partition, suffix)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        if isinstance(obj, dict | list):
            path = self._path(context, ".json")
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".json.tmp")
            temporary.write_text(json.dumps(obj, indent=1, default=str), encoding="utf-8")
            os.replace(temporary, path)  # readers never see half a file
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})
            return
        path = self._path(context, ".parquet")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(obj, Path):
            try:
                os.replace(obj, path)
            except OSError:  # another file system: copy, then replace atomically
                temporary = path.with_suffix(".parquet.tmp")
                shutil.copyfile(obj, temporary)
                os.replace(temporary, path)
                obj.unlink()
        else:
            table = obj.to_arrow() if isinstance(obj, pl.DataFrame) else obj
            if not isinstance(table, pa.Table):
                raise TypeError(f"cannot store a {type(obj).__name__} as Parquet")
            temporary = path.with_suffix(".parquet.tmp")
            pq.write_table(table, temporary)
            os.replace(temporary, path)
        rows = pq.ParquetFile(path).metadata.num_rows
        context.add_output_metadata(
            {"path": dg.MetadataValue.path(str(path)), "dagster/row_count": rows}
        )

    def load_input(self, context: dg.InputContext) -> Any:
        for suffix in (".parquet", ".json"):
            path = self._path(context, suffix)
            if path.exists():
                if suffix == ".json":
                    return json.loads(path.read_text(encoding="utf-8"))
                return pl.scan_parquet(path)
        raise FileNotFoundError(
            f"no stored output for {context.asset_key.to_user_string()} under "
            f"{self.storage.base()}: materialize it first"
        )
