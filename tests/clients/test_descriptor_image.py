"""The published descriptor image (clients/descriptor/b12-dosing-v1.binpb) is complete: every file
it names as an import is in it, and it carries google/rpc/error_details.proto, so that a client
generated from it alone reads the BadRequest detail of INVALID_ARGUMENT."""

from __future__ import annotations

from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "clients" / "descriptor" / "b12-dosing-v1.binpb"


def _image() -> descriptor_pb2.FileDescriptorSet:
    return descriptor_pb2.FileDescriptorSet.FromString(IMAGE.read_bytes())


def test_every_import_of_every_file_is_in_the_image() -> None:
    files = _image().file
    names = {file.name for file in files}
    missing = {(file.name, dep) for file in files for dep in file.dependency if dep not in names}
    assert missing == set()
    assert {"b12/dosing/v1/dosing.proto", "google/rpc/error_details.proto"} <= names


def test_the_image_alone_builds_the_service_and_the_bad_request_detail() -> None:
    pool = descriptor_pool.DescriptorPool()
    pending = list(_image().file)
    while pending:  # add each file once its imports are in the pool (the image's own order)
        added = [f for f in pending if all(_has(pool, dep) for dep in f.dependency)]
        assert added, f"unresolvable: {[f.name for f in pending]}"
        for file in added:
            pool.Add(file)
        pending = [f for f in pending if f not in added]
    service = pool.FindServiceByName("b12.dosing.v1.DosingService")
    assert {method.name for method in service.methods} >= {"PlanRegimen", "ExportPlan"}
    violation = pool.FindMessageTypeByName("google.rpc.BadRequest.FieldViolation")
    assert {"field", "description"} <= set(violation.fields_by_name)


def _has(pool: descriptor_pool.DescriptorPool, name: str) -> bool:
    try:
        pool.FindFileByName(name)
    except KeyError:
        return False
    return True
