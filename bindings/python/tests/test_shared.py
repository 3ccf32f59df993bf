"""test_shared.py - shared sessions through the binding (issue 19): a handle
attached to a session another process owns lists its tasks and receives
their events; it takes the session over when the owner is killed; a
background host downloads on after the app exits; attaching with nobody to
attach to, and the session-level options, fail with exact errors; secret
headers reach their origin only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path
from typing import Callable, Dict, List

import pytest

import ycdl
from support import FAST, sha256_of

EventKind = ycdl.EventKind
Role = ycdl.Role
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
HOST = HERE / "host.py"

# Owns the session (mode "own"), adds the URLs, prints each key, then
# "ready", and waits: to be killed, or for a line on stdin.
OWNER = textwrap.dedent("""
    import json, sys, ycdl
    identifier, state, downloads, urls, options = sys.argv[1:6]
    session = ycdl.Session(identifier, state_dir=state, download_dir=downloads, mode="own",
                           **json.loads(options))
    for url in json.loads(urls):
        print(session.add(url).key, flush=True)
    print("ready", flush=True)
    sys.stdin.readline()
    session.close()
""")

# An app that opens its session in the background, adds the URLs, prints
# its role and each key, and exits at once (closing its handle).
APP = textwrap.dedent("""
    import json, sys, ycdl
    identifier, state, downloads, urls, options = sys.argv[1:6]
    with ycdl.Session(identifier, state_dir=state, download_dir=downloads, background=True,
                      **json.loads(options)) as session:
        print(session.role.name, flush=True)
        for url in json.loads(urls):
            print(session.add(url).key, flush=True)
""")


def start_owner(tmp_path: Path, identifier: str, urls: List[str]) -> "tuple[subprocess.Popen[str], List[str]]":
    """A child process that owns identifier and has added urls; its keys."""
    (tmp_path / "downloads").mkdir(exist_ok=True)
    child = subprocess.Popen(
        [sys.executable, "-c", OWNER, identifier, str(tmp_path / "state"),
         str(tmp_path / "downloads"), json.dumps(urls), json.dumps(FAST)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    keys = []
    for line in child.stdout:   # type: ignore[union-attr]
        if line.strip() == "ready":
            return child, keys
        keys.append(line.strip())
    child.wait(10)
    raise AssertionError("the owner process exited with %s" % child.returncode)


def stop_owner(child: "subprocess.Popen[str]") -> None:
    if child.poll() is None:
        child.stdin.write("\n")   # type: ignore[union-attr]
        child.stdin.flush()       # type: ignore[union-attr]
        child.wait(30)


def attach(tmp_path: Path, identifier: str, **options: object) -> ycdl.Session:
    return ycdl.Session(identifier, state_dir=tmp_path / "state",
                        download_dir=tmp_path / "downloads", attach=True,
                        **dict(FAST, **options))  # type: ignore[arg-type]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within %s s: %s" % (timeout, what))
        time.sleep(0.05)


def session_is_free(tmp_path: Path, identifier: str) -> bool:
    """Whether nobody owns identifier any more (a probe owns it and lets go)."""
    try:
        ycdl.Session(identifier, state_dir=tmp_path / "state", mode="own").close()
    except ycdl.SessionLockedError:
        return False
    return True


def test_attach_raises_owner_not_found_when_no_process_owns_the_session(tmp_path):
    with pytest.raises(ycdl.OwnerNotFoundError) as raised:
        ycdl.Session("nobody-home", state_dir=tmp_path / "state", attach=True)
    assert raised.value.code is ycdl.ErrorCode.NOT_FOUND
    assert "no process owns the session nobody-home" in raised.value.message
    with pytest.raises(ycdl.OwnerNotFoundError):
        ycdl.Session("nobody-home", state_dir=tmp_path / "state", mode="attach")
    # Nothing was left holding it.
    assert session_is_free(tmp_path, "nobody-home")


def test_a_handle_attached_to_another_process_lists_its_tasks_and_receives_their_finished_events(
        servers, record, tmp_path):
    shas = [servers.make_file("sh-attach-%d.bin" % i, 1_000_000 + i) for i in range(2)]
    urls = [servers.fault + "/sh-attach-%d.bin?rate=600000&id=sh-attach-%d" % (i, i)
            for i in range(2)]
    owner, keys = start_owner(tmp_path, "sh-attach", urls)
    try:
        with attach(tmp_path, "sh-attach") as client:
            events = record(client)
            assert client.role is Role.CLIENT
            attached = events.until_kind(EventKind.ATTACHED)
            assert isinstance(attached.data, ycdl.ycdl_pb2.Attached)
            assert attached.data.owner_pid == owner.pid
            assert sorted(t.key for t in attached.data.tasks) == sorted(keys)
            info = client.info()
            assert (info.role, info.owner_pid, info.clients, info.tasks) == \
                (Role.CLIENT, owner.pid, 1, 2)
            assert [t.key for t in client.tasks()] == keys
            assert [i.url for i in client.task_infos()] == urls

            finished = [events.until_kind(EventKind.FINISHED, key) for key in keys]

            for event, sha in zip(finished, shas):
                assert event.data.sha256_hex == sha
                assert sha256_of(Path(event.data.path)) == sha
            assert [client.task(key).wait(timeout=5) for key in keys] == \
                [Path(e.data.path) for e in finished]
            assert events.until_kind(EventKind.ALL_FINISHED).key == ""
        # Closing the attached handle left the owner running.
        assert owner.poll() is None
    finally:
        stop_owner(owner)
    assert owner.returncode == 0


def test_an_attached_handle_takes_over_when_the_owner_is_killed_and_finishes_the_file(
        servers, record, tmp_path):
    size = 3 * 1024 * 1024
    sha = servers.make_file("sh-takeover.bin", size)
    url = servers.fault + "/sh-takeover.bin?rate=1000000&id=sh-takeover"
    owner, (key,) = start_owner(tmp_path, "sh-takeover", [url])
    try:
        client = attach(tmp_path, "sh-takeover")
        events = record(client)
        events.until(lambda e: e.kind is EventKind.PROGRESS and e.key == key
                     and e.data.bytes_written >= 512 * 1024)
    finally:
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(10)
    try:
        changed = events.until_kind(EventKind.ROLE_CHANGED)
        assert changed.role is Role.OWNER
        assert client.role is Role.OWNER
        assert client.info().owner_pid == os.getpid()
        events.until_kind(EventKind.SESSION_RESTORED)

        path = client.task(key).wait(timeout=60)

        assert sha256_of(path) == sha
        assert path.stat().st_size == size
        # It continued from the owner's data, not from zero.
        assert servers.fault_stat("sh-takeover", "bytes") < 2 * size
    finally:
        client.close()


def test_without_takeover_a_handle_whose_owner_is_killed_is_closed(servers, tmp_path):
    owner, _ = start_owner(tmp_path, "sh-no-takeover", [])
    client = attach(tmp_path, "sh-no-takeover", takeover=False)
    try:
        assert client.role is Role.CLIENT
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(10)

        def calls_fail() -> bool:
            try:
                client.tasks()
            except ycdl.SessionClosedError:
                return True
            return False

        wait_until(calls_fail, 45, "a call of the orphaned handle raises SessionClosedError")
    finally:
        client.close()


def host_command(tmp_path: Path, identifier: str) -> List[str]:
    return [sys.executable, str(HOST), str(tmp_path / "state"), identifier]


def run_app(tmp_path: Path, identifier: str, urls: List[str],
            options: Dict[str, object], env: "Dict[str, str] | None" = None) -> List[str]:
    """Runs the background app to its end; its output lines."""
    (tmp_path / "downloads").mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", APP, identifier, str(tmp_path / "state"),
         str(tmp_path / "downloads"), json.dumps(urls), json.dumps(options)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
        env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def check_background_run(servers, tmp_path: Path, identifier: str,
                         options: Dict[str, object], env: "Dict[str, str] | None" = None) -> None:
    shas = [servers.make_file("%s-%d.bin" % (identifier, i), 1_500_000 + i) for i in range(3)]
    urls = [servers.fault + "/%s-%d.bin?rate=1000000&id=%s-%d" % (identifier, i, identifier, i)
            for i in range(3)]

    role, *keys = run_app(tmp_path, identifier, urls, options, env)

    assert role == "CLIENT"
    # The app is gone, the downloads are not done: a host it did not wait
    # for owns the session and downloads on.
    assert not session_is_free(tmp_path, identifier)
    with attach(tmp_path, identifier) as later:
        assert later.info().owner_pid != os.getpid()
        paths = [later.task(key).wait(timeout=60) for key in keys]
        assert [sha256_of(p) for p in paths] == shas
        assert [i.status for i in later.task_infos()] == [ycdl.TaskStatus.FINISHED] * 3
    # Idle and alone, the host exits: the session is free again.
    wait_until(lambda: session_is_free(tmp_path, identifier), 20, "the host exits when idle")


def test_a_background_host_downloads_on_after_the_app_exits_and_a_later_process_finds_the_files(
        servers, tmp_path):
    check_background_run(servers, tmp_path, "sh-bg",
                         dict(FAST, host_command=host_command(tmp_path, "sh-bg")))


def ycdl_program() -> "str | None":
    """The ycdl program (its `ycdl serve` is the default host): named by
    $YCDL_HOST_PROGRAM, or built by scripts/build in build/cli/."""
    named = os.environ.get("YCDL_HOST_PROGRAM")
    built = REPO / "build" / "cli" / "ycdl"
    if named:
        return named
    return str(built) if os.access(built, os.X_OK) else shutil.which("ycdl")


@pytest.mark.skipif(ycdl_program() is None,
                    reason="no ycdl program: scripts/build builds build/cli/ycdl")
def test_a_background_session_starts_ycdl_serve_by_default(servers, tmp_path):
    env = dict(os.environ, YCDL_HOST_PROGRAM=str(ycdl_program()))
    check_background_run(servers, tmp_path, "sh-serve", dict(FAST), env)
    log = (tmp_path / "state" / "sh-serve" / "host.log")
    assert log.is_file()


def test_background_without_a_host_program_raises_host_program_not_found(tmp_path):
    missing = str(tmp_path / "no-such-host")
    with pytest.raises(ycdl.HostProgramNotFoundError) as raised:
        ycdl.Session("sh-no-host", state_dir=tmp_path / "state", background=True,
                     host_command=[missing, "serve"])
    assert raised.value.code is ycdl.ErrorCode.NOT_FOUND
    assert missing in raised.value.message
    with pytest.raises(ycdl.InvalidArgumentError) as contradiction:
        ycdl.Session("sh-no-host", state_dir=tmp_path / "state", background=True, mode="own")
    assert "background" in contradiction.value.message
    assert session_is_free(tmp_path, "sh-no-host")


def test_a_second_handle_in_this_process_attaches_and_the_owner_sees_it(
        servers, make_session, record, tmp_path):
    owner = make_session("sh-local")
    seen = record(owner)
    task = owner.add("http://127.0.0.1:9/sh-local.bin", start_paused=True)
    with ycdl.Session("sh-local", state_dir=tmp_path / "state", mode="own_or_attach",
                      receive_events=False) as caller:
        assert caller.role is Role.CLIENT
        assert seen.until_kind(EventKind.CLIENTS_CHANGED).data.attached == 1
        assert [t.key for t in caller.tasks()] == [task.key]
        with pytest.raises(ycdl.InvalidStateError):
            caller.events()
        with pytest.raises(ycdl.InvalidStateError):
            caller.task(task.key).wait(timeout=1)

        caller.request_stop()

        assert seen.until_kind(EventKind.STOP_REQUESTED).key == ""
    assert seen.until(lambda e: e.kind is EventKind.CLIENTS_CHANGED
                      and e.data.attached == 0).data.attached == 0
    assert owner.role is Role.OWNER
    with pytest.raises(ycdl.SessionLockedError):
        ycdl.Session("sh-local", state_dir=tmp_path / "state")


def test_secret_headers_reach_the_origin_only(servers, make_session, tmp_path):
    sha = servers.make_file("sh-secret.bin", 3000)
    target = servers.fault2 + "/sh-secret.bin?id=sh-secret"
    url = "%s/redirect-to?id=sh-secret-hop&url=%s" % (servers.fault,
                                                      urllib.parse.quote(target, safe=""))
    session = make_session("sh-secret")
    task = session.add(url, headers={"X-Trace": "trace-9"},
                       secret_headers={"X-Api-Token": "SECRET-D"})

    assert sha256_of(task.wait(timeout=30)) == sha
    at_origin = servers.fault_headers("sh-secret-hop").lower()
    elsewhere = servers.fault_headers("sh-secret").lower()
    assert "x-api-token: secret-d" in at_origin
    assert "x-api-token" not in elsewhere
    assert "x-trace: trace-9" in elsewhere
    journal = (tmp_path / "state" / "sh-secret" / "tasks.journal").read_bytes()
    assert b"trace-9" in journal
    assert b"SECRET-D" not in journal


def test_a_disk_reserve_larger_than_the_free_space_fails_the_download_with_disk_full(
        servers, make_session, tmp_path):
    servers.make_file("sh-reserve.bin", 100_000)
    (tmp_path / "downloads").mkdir(exist_ok=True)
    free = shutil.disk_usage(tmp_path / "downloads").free
    session = make_session(disk_reserve=free + 2**40)
    task = session.add(servers.fault + "/sh-reserve.bin?id=sh-reserve")

    with pytest.raises(ycdl.DiskFullError) as raised:
        task.wait(timeout=30)

    assert raised.value.code is ycdl.ErrorCode.DISK_FULL
    assert "keeping" in raised.value.message and "available" in raised.value.message
    assert servers.fault_stat("sh-reserve", "requests") == 1     # not retried
    # No reserve at all: the same file downloads.
    assert make_session(disk_reserve=0, preallocate=False).add(
        servers.fault + "/sh-reserve.bin?id=sh-reserve-2").wait(timeout=30).is_file()


def test_session_level_url_refresh_statuses_and_accept_types_apply_to_every_task(
        servers, make_session, record):
    servers.make_file("sh-refresh.bin", 5000)
    refused = make_session(url_refresh_statuses=[], max_retries=0)
    with pytest.raises(ycdl.HTTPError) as raised:
        refused.add(servers.fault + "/sh-refresh.bin?id=sh-refresh&always=403").wait(timeout=30)
    assert raised.value.http_status == 403

    guarded = make_session(accept_types=["video/*"], max_host_connections=1)
    events = record(guarded)
    task = guarded.add(servers.nginx + "/sh-refresh.bin")
    needed = events.until_kind(EventKind.URL_NEEDED, task.key)
    assert needed.error_code is ycdl.ErrorCode.NOT_THE_FILE
    assert task.status is ycdl.TaskStatus.WAITING_FOR_URL


def test_session_options_out_of_range_are_refused_exactly(tmp_path):
    state = tmp_path / "state"
    with pytest.raises(ycdl.InvalidArgumentError) as raised:
        ycdl.Session("sh-bad", state_dir=state, url_refresh_statuses=[200])
    assert raised.value.code is ycdl.ErrorCode.INVALID
    assert "url_refresh_statuses" in raised.value.message
    with pytest.raises(ycdl.InvalidArgumentError):
        ycdl.Session("sh-bad", state_dir=state, max_host_connections=1001)
    with pytest.raises(ycdl.InvalidArgumentError):
        ycdl.Session("sh-bad", state_dir=state, disk_reserve=-1)
    with pytest.raises(ycdl.InvalidArgumentError):
        ycdl.Session("sh-bad", state_dir=state, attach=True, mode="own")
    with pytest.raises(ycdl.InvalidArgumentError):
        ycdl.Session("sh-bad", state_dir=state, mode="borrow")
    with pytest.raises(TypeError):
        ycdl.Session("sh-bad", state_dir=state, url_refresh_statuses="403")
    with pytest.raises(TypeError):
        ycdl.Session("sh-bad", state_dir=state, host_command="ycdl serve")
    with pytest.raises(TypeError):
        ycdl.Session("sh-bad", state_dir=state, takeover=1)


def test_the_two_process_driver_passes_its_python_steps():
    # tests/bindings/two_process: an app adds downloads to a background host
    # and exits, another process attaches and checks the files, the host is
    # stopped; its Node and Swift steps are scripts/test's to run.
    done = subprocess.run([str(REPO / "tests" / "bindings" / "two_process"), "--python-only"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, YCDL_PYTHON=sys.executable), timeout=170)
    assert done.returncode == 0, done.stdout
    assert "two_process: passed" in done.stdout
