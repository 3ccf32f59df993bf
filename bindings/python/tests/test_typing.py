"""test_typing.py - the committed protobuf module and its stub match
proto/ycdl.proto, every event kind of the .proto has its typed counterpart,
and mypy --strict accepts the package and typed code using it (and still
refuses misuse)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from google.protobuf import descriptor_pb2

import ycdl
from ycdl import ycdl_pb2
from ycdl._events import DATA_TYPES, EventData, decode_event
from ycdl._native import lib

HERE = Path(__file__).resolve().parent
BINDING = HERE.parent
REPO = BINDING.parent.parent
PROTO = REPO / "proto" / "ycdl.proto"
SOURCE_PACKAGE = BINDING / "ycdl"
INSTALLED_PACKAGE = Path(ycdl.__file__).resolve().parent
# The protoc that made the committed ycdl_pb2.py (Debian 12's); another one
# writes other text for the same descriptor.
COMMITTED_PROTOC = "libprotoc 3.21.12"


def proto_event_kinds() -> List[Tuple[str, str]]:
    """(message type, field name) of each member of Event's oneof kind,
    read from the .proto's text."""
    text = re.sub(r"//[^\n]*", "", PROTO.read_text())
    event = re.search(r"message Event \{(.*?)\n\}", text, re.S)
    assert event, "no message Event in ycdl.proto"
    oneof = re.search(r"oneof kind \{(.*?)\}", event.group(1), re.S)
    assert oneof, "no oneof kind in Event"
    kinds = re.findall(r"^\s*(\w+)\s+(\w+)\s*=\s*\d+\s*;", oneof.group(1), re.M)
    assert len(kinds) >= 21
    return kinds


def test_every_event_kind_of_the_proto_has_a_typed_counterpart():
    stub = (SOURCE_PACKAGE / "ycdl_pb2.pyi").read_text()
    union = set(EventData.__args__)   # type: ignore[attr-defined]
    missing = []
    for message, name in proto_event_kinds():
        try:
            kind = ycdl.EventKind(name)
        except ValueError:
            missing.append("EventKind has no member for %r" % name)
            continue
        data_type = DATA_TYPES.get(kind)
        if data_type is None or data_type.__name__ != message:
            missing.append("DATA_TYPES[%s] is not ycdl_pb2.%s" % (kind.name, message))
        elif data_type not in union:
            missing.append("EventData lacks ycdl_pb2.%s" % message)
        if not re.search(r"^class %s\(" % message, stub, re.M):
            missing.append("ycdl_pb2.pyi has no class %s" % message)
    assert not missing, "\n".join(missing)
    assert {name for _, name in proto_event_kinds()} == \
        {k.value for k in ycdl.EventKind} - {"unknown"}


def generate(out: Path) -> None:
    if shutil.which("protoc") is None:
        pytest.fail("protoc is not installed: scripts/install-deps installs it "
                    "(Debian: protobuf-compiler)")
    env = dict(os.environ, PYTHON=sys.executable)
    subprocess.run([str(BINDING / "generate-protobuf"), str(out)], check=True, env=env)


def test_committed_protobuf_module_matches_the_proto(tmp_path):
    generate(tmp_path)
    protoc = subprocess.run(["protoc", "--version"], capture_output=True, text=True,
                            check=True).stdout.strip()
    stale = "regenerate with bindings/python/generate-protobuf and commit"
    for name in ("ycdl_pb2.py", "ycdl_pb2.pyi"):
        committed = (SOURCE_PACKAGE / name).read_text()
        assert (INSTALLED_PACKAGE / name).read_text() == committed, \
            "the installed %s is not the committed one" % name
        if name.endswith(".py") and protoc != COMMITTED_PROTOC:
            continue    # compared through the descriptor below
        assert (tmp_path / name).read_text() == committed, "%s is stale: %s" % (name, stale)
    # Whatever protoc: the descriptor the module registers is the .proto's
    # (protoc's own set also names each field's JSON name, which the Python
    # code leaves out).
    subprocess.run(["protoc", "-I%s" % PROTO.parent, "--descriptor_set_out=%s" % (tmp_path / "set"),
                    str(PROTO)], check=True)
    fresh = descriptor_pb2.FileDescriptorSet.FromString((tmp_path / "set").read_bytes()).file[0]
    pending = list(fresh.message_type)
    while pending:
        message = pending.pop()
        pending.extend(message.nested_type)
        for field in message.field:
            field.ClearField("json_name")
    ours = descriptor_pb2.FileDescriptorProto.FromString(ycdl_pb2.DESCRIPTOR.serialized_pb)
    assert fresh == ours, "ycdl_pb2.py is stale: " + stale

def test_protobuf_runtime_requirement_fits_the_generated_code():
    requirements = metadata.requires("ycdl") or []
    protobuf = [r for r in requirements if re.match(r"protobuf\b", r)]
    assert len(protobuf) == 1, requirements
    bounds = dict(re.findall(r"([<>=]=?)\s*([\d.]+)", protobuf[0]))
    assert bounds == {">=": "4.21.12", "<": "8"}, protobuf
    from google.protobuf import __version__ as runtime
    major = int(runtime.split(".")[0])
    assert 4 <= major < 8
    # The generated code carries no check of its own that would refuse
    # another runtime at import (newer protoc writes one).
    assert "ValidateProtobufRuntimeVersion" not in (SOURCE_PACKAGE / "ycdl_pb2.py").read_text()
    # Building needs no protoc: nothing of grpcio-tools is left.
    for name in ("pyproject.toml", "setup.py"):
        assert "grpc" not in (BINDING / name).read_text(), name


def mypy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores",
                           "--no-incremental", "--cache-dir", os.devnull, *args],
                          capture_output=True, text=True, cwd=str(HERE / "typing"))


def test_mypy_accepts_the_package_and_typed_use_and_refuses_misuse():
    pytest.importorskip("mypy", reason="mypy is a test requirement (run-tests installs it)")
    package = mypy("-p", "ycdl")
    assert package.returncode == 0, package.stdout + package.stderr
    usage = mypy("usage.py")
    assert usage.returncode == 0, usage.stdout + usage.stderr
    # The stub is what makes misuse an error: without it data is Any.
    wrong = HERE / "typing" / "wrong.py"
    try:
        wrong.write_text("import ycdl\n\ndef f(e: ycdl.Event) -> int:\n"
                         "    return e.data.bytes_writen\n")
        refused = mypy("wrong.py")
    finally:
        wrong.unlink()
    assert refused.returncode == 1 and "bytes_writen" in refused.stdout, refused.stdout


def encoded(**fields: object) -> bytes:
    return ycdl_pb2.Event(seq=7, timestamp_ms=1_700_000_000_000, **fields).SerializeToString()


def test_events_hand_out_enums_for_enum_fields():
    status = decode_event(encoded(key="k", status_changed=ycdl_pb2.StatusChanged(
        old_status=ycdl_pb2.TASK_STATUS_DOWNLOADING, new_status=ycdl_pb2.TASK_STATUS_PAUSED)))
    assert status.status is ycdl.TaskStatus.PAUSED
    assert status.old_status is ycdl.TaskStatus.DOWNLOADING
    assert status.error_code is None and status.role is None

    added = decode_event(encoded(key="k", task_added=ycdl_pb2.TaskAdded(
        url="https://example.com/a", status=ycdl_pb2.TASK_STATUS_WAITING)))
    assert added.status is ycdl.TaskStatus.WAITING and added.old_status is None

    failed = decode_event(encoded(key="k", failed=ycdl_pb2.Failed(
        error_code=lib.YCDL_E_HTTP, message="the server answered HTTP 404", http_status=404)))
    assert failed.error_code is ycdl.ErrorCode.HTTP
    assert isinstance(failed.error, ycdl.HTTPError)
    assert (failed.error.code, failed.error.http_status, failed.error.key) == (
        ycdl.ErrorCode.HTTP, 404, "k")
    assert failed.error.code is ycdl.ErrorCode.HTTP

    needed = decode_event(encoded(key="k", url_needed=ycdl_pb2.UrlNeeded(
        error_code=lib.YCDL_E_URL_EXPIRED, url="https://example.com/a?sig=1")))
    assert needed.error_code is ycdl.ErrorCode.URL_EXPIRED
    assert isinstance(needed.error, ycdl.URLExpiredError)

    known = decode_event(encoded(key="k", resumability=ycdl_pb2.ResumabilityKnown(
        resumability=ycdl_pb2.RESUMABILITY_NO, reason="no validator")))
    assert known.resumability is ycdl.Resumability.NO

    # The kinds of attached handles: typed like the others.
    role = decode_event(encoded(role_changed=ycdl_pb2.RoleChanged(
        role=ycdl_pb2.ROLE_OWNER, reason="the owner exited")))
    assert role.kind is ycdl.EventKind.ROLE_CHANGED and role.role is ycdl.Role.OWNER
    attached = decode_event(encoded(attached=ycdl_pb2.Attached(owner_pid=42, tasks=[
        ycdl_pb2.TaskInfo(key="a", status=ycdl_pb2.TASK_STATUS_DOWNLOADING)])))
    assert isinstance(attached.data, ycdl_pb2.Attached)
    assert [(t.key, ycdl.TaskStatus(t.status)) for t in attached.data.tasks] == [
        ("a", ycdl.TaskStatus.DOWNLOADING)]
    stop = decode_event(encoded(stop_requested=ycdl_pb2.StopRequested(by="ycdl stop")))
    assert isinstance(stop.data, ycdl_pb2.StopRequested) and stop.data.by == "ycdl stop"
    clients = decode_event(encoded(clients_changed=ycdl_pb2.ClientsChanged(attached=2)))
    assert isinstance(clients.data, ycdl_pb2.ClientsChanged) and clients.data.attached == 2

    # A value newer than this binding is None, not an exception.
    odd = decode_event(encoded(key="k", status_changed=ycdl_pb2.StatusChanged(new_status=99)))
    assert odd.status is None


def test_error_code_enum_covers_every_code_of_the_header():
    header = (REPO / "libycdl" / "include" / "ycdl.h").read_text()
    codes: Dict[str, int] = {name: int(value) for name, value in
                             re.findall(r"\bYCDL_E_(\w+)\s*=\s*(-\d+)", header)}
    assert codes and {m.name: int(m) for m in ycdl.ErrorCode} == codes
    for member in ycdl.ErrorCode:
        assert member.reason and member.symbol == "YCDL_E_" + member.name
        assert ycdl.ErrorCode.coerce(member.symbol) is member
        assert ycdl.ErrorCode.coerce(member.name.lower()) is member
    # Every exception class's code is the enum member.
    for name in ycdl.errors.__all__:
        cls = getattr(ycdl.errors, name)
        if isinstance(cls, type) and issubclass(cls, ycdl.Error) and cls.code:
            assert isinstance(cls.code, ycdl.ErrorCode), name
