"""Datasets in an object store: an S3 location (a local S3 server: moto's) listed by the file
sensor and validated by the dataset's job, through Arrow's S3 file system."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import dagster as dg
import polars as pl
import pytest
from moto.server import ThreadedMotoServer

from dagster_defs.definitions import build_definitions
from dagster_defs.remote import list_objects
from registry_core.service import Registry
from tests.dagster.conftest import write_catalog


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    yield f"http://{host}:{port}"
    server.stop()


def test_an_s3_dataset_is_listed_and_validated(
    tmp_path: Path, seeded: Registry, instance: dg.DagsterInstance, s3: str
) -> None:
    client = boto3.client("s3", endpoint_url=s3, region_name="us-east-1")
    bucket = f"datasets-{uuid.uuid4().hex[:8]}"  # moto's store outlives one server
    client.create_bucket(Bucket=bucket)
    write_catalog(tmp_path)  # the demo files, to upload
    local = tmp_path / "data" / "chat_sft.jsonl"
    for part in ("part-0", "part-1"):
        client.upload_file(str(local), bucket, f"chat/{part}.jsonl")
    client.put_object(Bucket=bucket, Key="chat/readme.txt", Body=b"not data")
    query = f"?endpoint_override={s3.removeprefix('http://')}&scheme=http&region=us-east-1"
    location = f"s3://{bucket}/chat/*.jsonl{query}"
    assert [o.uri for o in list_objects(location)] == [
        f"s3://{bucket}/chat/part-0.jsonl",
        f"s3://{bucket}/chat/part-1.jsonl",
    ]

    def remote(document: dict) -> None:
        for entry in document["datasets"]:
            if entry["name"] == "chat_sft":
                entry["path"] = location

    defs = build_definitions(write_catalog(tmp_path, remote))
    result = defs.resolve_job_def("chat_sft_job").execute_in_process(instance=instance)
    assert result.success
    valid = pl.read_parquet(tmp_path / "storage/chat_sft/valid_records/all.parquet")
    quarantined = pl.read_parquet(tmp_path / "storage/chat_sft/quarantined_records/all.parquet")
    assert valid.height + quarantined.height == 600  # both objects, nothing lost or doubled
    assert seeded.dataset("chat_sft").location == location

    # the file sensor lists the bucket: a new object asks for a run
    sensor = next(s for s in defs.sensors or [] if s.name == "dataset_files")
    with dg.build_sensor_context(instance=instance, definitions=defs) as context:
        first = sensor(context)
    assert isinstance(first, dg.SensorResult) and not first.run_requests
    client.upload_file(str(local), bucket, "chat/part-2.jsonl")
    with dg.build_sensor_context(
        instance=instance, cursor=first.cursor, definitions=defs
    ) as context:
        second = sensor(context)
    assert isinstance(second, dg.SensorResult)
    assert [r.job_name for r in second.run_requests or []] == ["chat_sft_job"]

    missing = location.replace("chat/*", "nothing/*")
    broken = build_definitions(
        write_catalog(
            tmp_path,
            lambda d: [e.update(path=missing) for e in d["datasets"] if e["name"] == "chat_sft"],
        )
    )
    failed = broken.resolve_job_def("chat_sft_job").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not failed.success
    step = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
    assert f"no objects match s3://{bucket}/nothing/*.jsonl" in str(step.event_specific_data.error)
