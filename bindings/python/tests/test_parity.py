"""test_parity.py - the rest of the C API the binding carries: many tasks
added in one call, every task's info in one call, a new URL for a task
whose URL stopped working, mirrors, the body guard (accepted types, a
minimum size), files named after their URL and one file over several
connections."""

from __future__ import annotations

import time

import pytest

import ycdl
from support import sha256_of

EventKind = ycdl.EventKind
Status = ycdl.TaskStatus


def test_add_many_adds_in_one_call_and_reports_each_item(servers, make_session, tmp_path):
    shas = [servers.make_file("pp-many-%d.bin" % i, 5_000 + i) for i in range(3)]
    session = make_session()
    items = [servers.nginx + "/pp-many-0.bin",
             {"url": servers.nginx + "/pp-many-1.bin", "file_id": "second",
              "display_name": "Second"},
             {"url": "ftp://127.0.0.1/pp-refused.bin"},
             {"url": servers.nginx + "/pp-many-2.bin", "dest": tmp_path / "third.bin"}]

    with pytest.raises(ycdl.ProtocolNotAllowedError) as raised:
        session.add_many(items)
    assert "ftp" in raised.value.message
    # The other items were added all the same.
    assert len(session.tasks()) == 3
    again = session.add_many(items, return_errors=True)
    assert [type(r) for r in again] == [ycdl.Task, ycdl.Task, ycdl.ProtocolNotAllowedError,
                                        ycdl.Task]
    assert again[1].key == "second"
    assert again[2].code == -18
    paths = [task.wait(timeout=30) for task in (again[0], again[1], again[3])]
    assert [sha256_of(p) for p in paths] == shas
    assert paths[2] == tmp_path / "third.bin"
    assert session.add_many([]) == []
    with pytest.raises(TypeError):
        session.add_many(servers.nginx + "/pp-many-0.bin")
    with pytest.raises(TypeError):
        session.add_many([{"url": servers.nginx + "/x.bin", "bogus": 1}])
    with pytest.raises(TypeError):
        session.add_many([{"dest": "x"}])
    with pytest.raises(TypeError):
        session.add_many([42])
    assert len(session.tasks()) == 3


def test_task_infos_gives_every_task_in_one_call(make_session):
    session = make_session()
    tasks = [session.add("http://127.0.0.1:9/pp-info-%d.bin" % i, start_paused=True,
                         display_name="n%d" % i, group="g" if i % 2 else None)
             for i in range(5)]
    tasks[1].cancel()
    infos = session.task_infos()
    assert [i.key for i in infos] == [t.key for t in tasks]
    assert infos == [t.info() for t in tasks]
    assert [i.display_name for i in infos] == ["n%d" % i for i in range(5)]
    assert [i.group for i in infos] == [None, "g", None, "g", None]
    assert [i.key for i in session.task_infos(status="failed")] == [tasks[1].key]
    assert session.task_infos(status=[Status.FINISHED]) == []


def test_a_task_whose_url_stops_working_waits_for_a_new_one(servers, make_session, record):
    sha = servers.make_file("pp-refresh.bin", 300_000)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/pp-refresh.bin?id=pp-refresh&always=403")
    needed = events.until_kind(EventKind.URL_NEEDED, task.key)
    assert needed.data.http_status == 403
    assert task.status is Status.WAITING_FOR_URL
    assert task.info().request_url is None
    fresh = servers.fault + "/pp-refresh.bin?id=pp-refresh-2"

    task.set_url(fresh)

    assert sha256_of(task.wait(timeout=30)) == sha
    info = task.info()
    assert (info.url, info.request_url) == (servers.fault + "/pp-refresh.bin?id=pp-refresh&always=403",
                                            fresh)
    changed = events.until_kind(EventKind.URL_CHANGED, task.key)
    assert changed.data.to == fresh
    assert session.find(info.url) == task
    with pytest.raises(ycdl.ProtocolNotAllowedError):
        task.set_url("ftp://127.0.0.1/x.bin")
    with pytest.raises(TypeError):
        task.set_url(5)


def test_mirrors_take_over_from_a_url_that_fails_for_good(servers, make_session, record):
    sha = servers.make_file("pp-mirror.bin", 200_000)
    session = make_session(max_retries=0)
    events = record(session)
    primary = servers.fault + "/pp-mirror.bin?id=pp-mirror&always=404"
    mirror = servers.nginx + "/pp-mirror.bin"
    task = session.add(primary, mirrors=[servers.fault + "/pp-mirror.bin?always=500", mirror])
    assert sha256_of(task.wait(timeout=30)) == sha
    events.until_kind(EventKind.FINISHED, task.key)
    changes = [(e.data.to, e.data.reason) for e in events.of(EventKind.URL_CHANGED, task.key)]
    assert [to for to, _ in changes][-1] == mirror
    assert "404" in changes[0][1]
    assert task.info().request_url == mirror
    with pytest.raises(ycdl.InvalidArgumentError):
        session.add(servers.nginx + "/pp-mirror.bin?17", mirrors=[mirror] * 17)
    with pytest.raises(TypeError):
        session.add(servers.nginx + "/pp-mirror.bin?str", mirrors=mirror)


def test_the_body_guard_refuses_what_is_not_the_file(servers, make_session, record, tmp_path):
    servers.make_file("pp-guard.bin", 20_000)
    session = make_session()
    events = record(session)
    typed = session.add(servers.fault + "/pp-guard.bin?type=text/plain", tmp_path / "a.mp4",
                        accept_types=["video/*"])
    small = session.add(servers.fault + "/pp-guard.bin?small", tmp_path / "b.bin",
                        min_size=20_001)
    for task in (typed, small):
        needed = events.until_kind(EventKind.URL_NEEDED, task.key)
        assert needed.data.error_code == ycdl.NotTheFileError.code == -27
        assert task.status is Status.WAITING_FOR_URL
        assert isinstance(task.info().error, ycdl.NotTheFileError)
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.bin").exists()
    good = session.add(servers.fault + "/pp-guard.bin?type=video/mp4", tmp_path / "c.mp4",
                       accept_types=["video/*"], min_size=20_000)
    assert good.wait(timeout=30) == tmp_path / "c.mp4"
    with pytest.raises(TypeError):
        session.add(servers.nginx + "/pp-guard.bin?x", accept_types="video/*")
    with pytest.raises(ycdl.InvalidArgumentError):
        session.add(servers.nginx + "/pp-guard.bin?y", min_size=-1)


def test_name_from_url_names_the_file_as_wget_does(servers, make_session, tmp_path):
    sha = servers.make_file("pp name.bin", 3_000)
    session = make_session()
    first = session.add(servers.nginx + "/pp%20name.bin?x=1", tmp_path, name_from_url=True,
                        conflict="rename")
    second = session.add(servers.nginx + "/pp%20name.bin?x=2", tmp_path, name_from_url=True,
                         conflict="rename")
    assert first.wait(timeout=30) == tmp_path / "pp name.bin"
    assert second.wait(timeout=30) == tmp_path / "pp name (1).bin"
    assert sha256_of(tmp_path / "pp name (1).bin") == sha
    with pytest.raises(TypeError):
        session.add(servers.nginx + "/pp%20name.bin?x=3", name_from_url=1)


SEGMENTED_SIZE = 8 * 1024 * 1024


def test_a_file_is_fetched_over_several_connections_byte_identical(servers, make_session,
                                                                    record):
    sha = servers.make_file("pp-segments.bin", SEGMENTED_SIZE)
    # nginx lets a second's worth of its rate through at once on every
    # request: four pieces of 2 MiB at 512 KiB/s overlap for 3 s.
    session = make_session(segment_min_size=2 << 20)
    events = record(session)
    task = session.add(servers.nginx + "/pp-segments.bin?rate=512k", connections=4)
    most = 0
    deadline = time.monotonic() + 30
    while most < 2 and task.status is not Status.FINISHED and time.monotonic() < deadline:
        most = max(most, task.info().connections)
        time.sleep(0.01)
    assert most > 1, "task.info() never reported more than one connection"
    assert task.info().max_connections == 4

    path = task.wait(timeout=60)

    assert sha256_of(path) == sha
    finished = events.until_kind(EventKind.FINISHED, task.key)
    assert finished.data.sha256_hex == sha
    progress = events.of(EventKind.PROGRESS, task.key)
    assert max(e.data.connections for e in progress) > 1
    assert all(e.data.connections <= 4 for e in progress)
    # Every piece was validated: nothing restarted, nothing spliced.
    assert events.of(EventKind.RESTARTED, task.key) == []
    info = task.info()
    assert (info.connections, info.max_connections) == (0, 4)
    assert (info.bytes_written, info.sha256) == (SEGMENTED_SIZE, sha)


def test_connections_default_to_the_session_s_and_are_refused_out_of_range(make_session,
                                                                           tmp_path):
    session = make_session(connections=3)
    paused = session.add("http://127.0.0.1:9/pp-conn.bin", start_paused=True)
    assert (paused.info().connections, paused.info().max_connections) == (0, 3)
    assert session.add("http://127.0.0.1:9/pp-conn-0.bin", start_paused=True,
                       connections=0).info().max_connections == 3
    own = session.add_many([{"url": "http://127.0.0.1:9/pp-conn-most.bin", "start_paused": True,
                             "connections": ycdl.MAX_CONNECTIONS}])[0]
    assert own.info().max_connections == ycdl.MAX_CONNECTIONS == 32
    with pytest.raises(ycdl.InvalidArgumentError) as raised:
        session.add("http://127.0.0.1:9/pp-conn-33.bin", connections=33)
    assert raised.value.code is ycdl.ErrorCode.INVALID
    assert "connections" in raised.value.message
    with pytest.raises(ycdl.InvalidArgumentError):
        session.add("http://127.0.0.1:9/pp-conn-neg.bin", connections=-1)
    with pytest.raises(TypeError):
        session.add("http://127.0.0.1:9/pp-conn-str.bin", connections="4")
    assert len(session.tasks()) == 3

    state = tmp_path / "state"
    with pytest.raises(ycdl.InvalidArgumentError) as raised:
        ycdl.Session("pp-bad", state_dir=state, connections=0)
    assert "connections" in raised.value.message
    with pytest.raises(ycdl.InvalidArgumentError):
        ycdl.Session("pp-bad", state_dir=state, connections=33)
    with pytest.raises(ycdl.InvalidArgumentError) as raised:
        ycdl.Session("pp-bad", state_dir=state, segment_min_size=1024)
    assert "segment_min_size" in raised.value.message
