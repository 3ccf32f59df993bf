"""test_processes.py - sessions across processes: a download killed with
SIGKILL is finished by a new Session here, byte for byte, and an identifier
held by one process is refused to another."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import ycdl
from support import FAST, sha256_of

EventKind = ycdl.EventKind
SIZE = 4 * 1024 * 1024
CHECKPOINT_BYTES = 256 * 1024

# Opens a session, adds the URL (if any), says "ready", then waits: to be
# killed, or for a line on stdin.
CHILD = textwrap.dedent("""
    import json, sys, ycdl
    identifier, state, downloads, url, options = sys.argv[1:6]
    try:
        session = ycdl.Session(identifier, state_dir=state, download_dir=downloads,
                               **json.loads(options))
    except ycdl.Error as error:
        print("error", type(error).__name__, error.code, flush=True)
        sys.exit(0)
    if url:
        session.add(url)
    print("ready", flush=True)
    sys.stdin.readline()
    session.close()
""")


def spawn(tmp_path: Path, identifier: str, url: str = "") -> subprocess.Popen:
    options = dict(FAST, checkpoint_bytes=CHECKPOINT_BYTES)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, identifier, str(tmp_path / "state"),
         str(tmp_path / "downloads"), url, json.dumps(options)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def wait_for_part_file(folder: Path, size: int, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parts = [p for p in folder.glob("*.part") if p.stat().st_size >= size]
        if parts:
            return parts[0]
        time.sleep(0.01)
    raise AssertionError("no part file of %d bytes in %s" % (size, folder))


def test_download_killed_with_sigkill_is_finished_by_a_new_session(
        servers, make_session, record, tmp_path):
    sha = servers.make_file("crash.bin", SIZE)
    url = servers.fault + "/crash.bin?rate=2000000&id=crash"
    (tmp_path / "downloads").mkdir()
    child = spawn(tmp_path, "crash", url)
    try:
        assert child.stdout.readline().strip() == "ready"
        part = wait_for_part_file(tmp_path / "downloads", SIZE // 2)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    on_disk = part.stat().st_size

    session = make_session("crash", checkpoint_bytes=CHECKPOINT_BYTES)
    events = record(session)
    restored = events.until_kind(EventKind.SESSION_RESTORED)
    assert (restored.data.tasks_found, restored.data.tasks_quarantined) == (1, 0)
    task = session.find(url)
    assert task is not None
    events.until_status(task.key, ycdl.TaskStatus.PAUSED)
    task.resume()
    path = task.wait(timeout=30)
    assert sha256_of(path) == sha
    resumed = events.until_kind(EventKind.RESUMED, task.key)
    assert 0 < resumed.data.offset <= on_disk
    # At most one checkpoint is fetched again, plus what was in flight.
    fetched_again = servers.fault_stat("crash", "bytes") - SIZE
    assert 0 <= fetched_again <= CHECKPOINT_BYTES + 256 * 1024


def test_an_identifier_held_by_another_process_is_refused(make_session, tmp_path):
    child = spawn(tmp_path, "held")
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(ycdl.SessionLockedError) as raised:
            make_session("held")
        assert raised.value.code == -3
    finally:
        child.communicate("done\n", timeout=10)
    assert child.returncode == 0
    make_session("held").close()        # free again once the child closed it


def test_a_second_process_is_refused_while_this_one_holds_it(make_session, tmp_path):
    make_session("mine")
    child = spawn(tmp_path, "mine")
    out, _ = child.communicate(timeout=20)
    assert out.split() == ["error", "SessionLockedError", "-3"]


def test_a_second_session_in_this_process_is_refused_too(make_session):
    make_session("twice")
    with pytest.raises(ycdl.SessionLockedError):
        make_session("twice")
