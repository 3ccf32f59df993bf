"""test_lifecycle.py - what happens to downloads when a session closes, is
garbage collected, or opens again; the error classes; the example program."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import ycdl
from support import FAST, sha256_of

EventKind = ycdl.EventKind
Status = ycdl.TaskStatus


def test_closing_with_a_running_download_pauses_it_and_keeps_the_data(
        servers, make_session, record, tmp_path):
    sha = servers.make_file("close-running.bin", 1_500_000)
    url = servers.fault + "/close-running.bin?rate=600000"
    session = make_session("reopen")
    events = record(session)
    task = session.add(url, file_id="ep1", display_name="Episode 1", metadata=b"\x01\x02")
    events.until(lambda e: e.kind is EventKind.PROGRESS and e.data.bytes_written >= 200_000)
    session.close()

    session = make_session("reopen")
    events = record(session)
    restored = events.until_kind(EventKind.SESSION_RESTORED)
    assert restored.seq == 1 and restored.data.tasks_found == 1
    task = session.task("ep1")
    info = task.info()
    assert info.status is Status.PAUSED
    assert info.bytes_written >= 200_000
    assert (info.url, info.display_name, info.metadata) == (url, "Episode 1", b"\x01\x02")
    assert session.tasks(status="paused") == [task]
    assert session.tasks(status=[Status.FINISHED, Status.FAILED]) == []
    task.resume()
    assert sha256_of(task.wait(timeout=30)) == sha
    assert events.until_kind(EventKind.RESUMED, "ep1").data.offset == info.bytes_written


def test_auto_resume_continues_restored_downloads(servers, make_session, record):
    sha = servers.make_file("auto.bin", 1_000_000)
    session = make_session("auto")
    events = record(session)
    task = session.add(servers.fault + "/auto.bin?rate=500000")
    events.until_kind(EventKind.PROGRESS, task.key)
    session.close()
    session = make_session("auto", auto_resume=True)
    events = record(session)
    task = session.task(task.key)
    assert sha256_of(task.wait(timeout=30)) == sha
    assert events.until_kind(EventKind.RESUMED, task.key).data.offset > 0


def test_a_finished_task_of_an_earlier_session_waits_no_more(servers, make_session):
    sha = servers.make_file("earlier.bin", 10_000)
    session = make_session("earlier")
    key = session.add(servers.nginx + "/earlier.bin").key
    first = session.task(key).wait(timeout=30)
    session.close()
    session = make_session("earlier")
    assert session.task(key).wait(timeout=0) == first
    assert sha256_of(first) == sha


def test_garbage_collection_closes_the_session(tmp_path):
    session = ycdl.Session("collected", state_dir=tmp_path, **FAST)
    session.add("http://127.0.0.1:9/x.bin", start_paused=True)
    alive = weakref.ref(session)
    del session
    gc.collect()
    assert alive() is None
    # The identifier is free again: the collected session was closed.
    with ycdl.Session("collected", state_dir=tmp_path) as again:
        assert len(again.tasks()) == 1


def test_every_error_code_has_its_own_class():
    from ycdl._native import ffi, lib
    codes = {name: getattr(lib, name) for name in dir(lib) if name.startswith("YCDL_E_")}
    # As many as the core has: it names each of its codes, and no other.
    core = [c for c in range(-1, -200, -1)
            if ffi.string(lib.ycdl_strerror(c)) != b"unknown error"]
    assert sorted(codes.values()) == sorted(core)
    classes = {name: ycdl.errors.error_class(code) for name, code in codes.items()}
    assert len(set(classes.values())) == len(core)
    for name, cls in classes.items():
        assert cls.code == codes[name]
        assert issubclass(cls, ycdl.Error)
        error = ycdl.errors.error_for(codes[name], "detail", 0, "k")
        assert type(error) is cls and error.code == codes[name] and error.key == "k"
    downloads = {name for name, cls in classes.items() if issubclass(cls, ycdl.DownloadError)}
    assert {"YCDL_E_NETWORK", "YCDL_E_HTTP", "YCDL_E_CHECKSUM", "YCDL_E_CANCELED",
            "YCDL_E_DISK_FULL", "YCDL_E_TIMEOUT"} <= downloads
    assert "YCDL_E_LOCKED" not in downloads and "YCDL_E_INVALID" not in downloads
    assert issubclass(ycdl.InvalidArgumentError, ValueError)
    assert issubclass(ycdl.TaskNotFoundError, KeyError)
    # Failures with a code of the other family still are DownloadErrors.
    internal = ycdl.errors.download_error_for(lib.YCDL_E_INTERNAL, "bug")
    assert isinstance(internal, ycdl.DownloadError) and internal.code == lib.YCDL_E_INTERNAL


def test_errors_survive_pickling():
    import pickle
    error = ycdl.HTTPError("the server answered HTTP 503", http_status=503, key="k")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.code, copy.http_status, copy.key, str(copy)) == (
        ycdl.HTTPError, -16, 503, "k", "the server answered HTTP 503 (HTTP 503)")


def test_example_program_downloads_with_a_progress_bar(servers, tmp_path):
    sha = servers.make_file("example.bin", 300_000)
    command = [sys.executable, "-m", "ycdl", "--session", "example", "-d", str(tmp_path),
               servers.fault + "/example.bin?rate=1000000"]
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip()
    assert sha256_of(path) == sha
    assert "[####" in result.stderr and "300000/300000 bytes" in result.stderr
    # Run again: the session knows the file is there and says so at once.
    again = subprocess.run(command, capture_output=True, text=True, timeout=10, env=env)
    assert (again.returncode, again.stdout.strip()) == (0, path)
