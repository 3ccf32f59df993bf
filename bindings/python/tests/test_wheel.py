"""test_wheel.py - the manylinux wheel of build-wheel, when test-wheel runs
the suite against it (YCDL_PYTHON_WHEEL names the wheel): the extension
loads the libraries auditwheel bundled, not the system's."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

import ycdl
from ycdl import _native

WHEEL = os.environ.get("YCDL_PYTHON_WHEEL")
pytestmark = pytest.mark.skipif(not WHEEL, reason="only when test-wheel runs the suite on the wheel")


def test_the_wheel_is_manylinux_and_bundles_the_core_libraries():
    assert WHEEL
    assert re.search(r"-manylinux_\d+_\d+_x86_64\.whl$|-manylinux_\d+_\d+_aarch64\.whl$", WHEEL), WHEEL
    names = zipfile.ZipFile(WHEEL).namelist()
    bundled = {Path(n).name.split("-")[0] for n in names if n.startswith("ycdl.libs/")}
    assert {"libcurl", "libevent_core", "libprotobuf", "libssl", "libcrypto"} <= bundled, bundled
    # The generated protobuf module and its stub are in it; grpcio is not.
    assert {"ycdl/ycdl_pb2.py", "ycdl/ycdl_pb2.pyi", "ycdl/py.typed"} <= set(names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(WHEEL).read(metadata).decode()
    assert re.search(r"^Requires-Dist: protobuf<8,>=4\.21\.12$", text, re.M), text
    assert "grpc" not in text


def test_the_extension_loads_the_bundled_libraries():
    libs = Path(ycdl.__file__).resolve().parent.parent / "ycdl.libs"
    assert libs.is_dir()
    ldd = subprocess.run(["ldd", _native.__file__], capture_output=True, text=True,
                         check=True).stdout
    for name in ("libcurl", "libevent_core", "libprotobuf-c"):
        found = [Path(m.group(1)).resolve() for m in
                 re.finditer(r"^\s*%s\S* => (\S+)" % re.escape(name), ldd, re.M)]
        assert found and all(f.parent == libs.resolve() for f in found), \
            "%s is not loaded from ycdl.libs:\n%s" % (name, ldd)
