"""test_arguments.py - misuse raises clean exceptions and never crashes:
wrong types, NUL bytes, huge strings, out-of-range numbers, unknown tasks,
impossible states, and every call on a closed session."""

from __future__ import annotations

import asyncio

import pytest

import ycdl

URL = "http://127.0.0.1:9/file.bin"     # never fetched: tasks start paused


@pytest.mark.parametrize("identifier, error", [
    (None, TypeError),
    (42, TypeError),
    (b"bytes-id", TypeError),
    ("", ycdl.InvalidArgumentError),
    ("x" * 201, ycdl.InvalidArgumentError),
    ("x" * 10_000_000, ycdl.InvalidArgumentError),
    ("slash/inside", ycdl.InvalidArgumentError),
    ("..", ycdl.InvalidArgumentError),
    ("nul\0inside", ycdl.InvalidArgumentError),
])
def test_bad_identifiers_are_refused(tmp_path, identifier, error):
    with pytest.raises(error):
        ycdl.Session(identifier, state_dir=tmp_path)


@pytest.mark.parametrize("options, error", [
    ({"max_concurrent": 0}, ycdl.InvalidArgumentError),
    ({"max_concurrent": 1001}, ycdl.InvalidArgumentError),
    ({"max_concurrent": -1}, ycdl.InvalidArgumentError),
    ({"max_concurrent": 2**70}, ycdl.InvalidArgumentError),
    ({"max_concurrent": "3"}, TypeError),
    ({"max_concurrent": 2.5}, TypeError),
    ({"auto_resume": "yes"}, TypeError),
    ({"auto_resume": None}, TypeError),
    ({"progress_interval": float("nan")}, ycdl.InvalidArgumentError),
    ({"progress_interval": -1}, ycdl.InvalidArgumentError),
    ({"checkpoint_interval": 0}, ycdl.InvalidArgumentError),
    ({"retry_base_delay": "1s"}, TypeError),
    ({"state_dir": 42}, TypeError),
    ({"download_dir": ""}, ycdl.InvalidArgumentError),
    ({"ca_file": "bad\0path"}, ycdl.InvalidArgumentError),
    ({"user_agent": b"bytes"}, TypeError),
    ({"no_such_option": 1}, TypeError),
])
def test_bad_session_options_are_refused(make_session, options, error):
    with pytest.raises(error):
        make_session(**options)


@pytest.mark.parametrize("call, error", [
    (lambda s: s.add(None), TypeError),
    (lambda s: s.add(b"http://127.0.0.1/x"), TypeError),
    (lambda s: s.add(""), ycdl.InvalidArgumentError),
    (lambda s: s.add("not a url at all"), ycdl.InvalidArgumentError),
    (lambda s: s.add("http://127.0.0.1/" + "a" * 10_000_000), ycdl.InvalidArgumentError),
    (lambda s: s.add("http://127.0.0.1/\0evil"), ycdl.InvalidArgumentError),
    (lambda s: s.add("ftp://127.0.0.1/file"), ycdl.ProtocolNotAllowedError),
    (lambda s: s.add(URL, headers="X-One: 1"), TypeError),
    (lambda s: s.add(URL, headers={"X-One": 1}), TypeError),
    (lambda s: s.add(URL, headers=42), TypeError),
    (lambda s: s.add(URL, headers=["no colon"]), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, headers=["X: a\r\nInjected: b"]), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, headers=["X: %s" % ("v" * 100_000)]), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, checksum="sha256:not-hex"), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, checksum=12), TypeError),
    (lambda s: s.add(URL, metadata="text"), TypeError),
    (lambda s: s.add(URL, metadata=object()), TypeError),
    (lambda s: s.add(URL, metadata=bytes(2 * 1024 * 1024)), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, priority=2**31), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, priority=1.5), TypeError),
    (lambda s: s.add(URL, expected_size=-5), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, conflict="sideways"), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, conflict=7), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, conflict=None), TypeError),
    (lambda s: s.add(URL, file_id="f" * 300), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, file_id="control\x01char"), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, dest=""), ycdl.InvalidArgumentError),
    (lambda s: s.add(URL, dest=object()), TypeError),
    (lambda s: s.add(URL, start_paused=1), TypeError),
    (lambda s: s.task("no-such-key"), ycdl.TaskNotFoundError),
    (lambda s: s.task(""), ycdl.InvalidArgumentError),
    (lambda s: s.task(7), TypeError),
    (lambda s: s.find(None), TypeError),
    (lambda s: s.tasks(status="bogus"), ycdl.InvalidArgumentError),
    (lambda s: s.tasks(status=99), ycdl.InvalidArgumentError),
    (lambda s: s.tasks(status=2.5), TypeError),
    (lambda s: s.set_network("5g"), ycdl.InvalidArgumentError),
    (lambda s: s.set_network(None), TypeError),
    (lambda s: setattr(s, "max_concurrent", 0), ycdl.InvalidArgumentError),
    (lambda s: setattr(s, "max_concurrent", "many"), TypeError),
    (lambda s: setattr(s, "allow_cellular", "no"), TypeError),
    (lambda s: setattr(s, "max_recv_speed", -1), ycdl.InvalidArgumentError),
    (lambda s: s.events(timeout=-1), ycdl.InvalidArgumentError),
    (lambda s: s.events(timeout="soon"), TypeError),
    (lambda s: s.aevents(), RuntimeError),      # needs a running loop
])
def test_bad_arguments_raise_cleanly(make_session, call, error):
    session = make_session()
    with pytest.raises(error):
        call(session)
    assert not session.closed
    assert session.tasks() == []


def test_task_calls_check_their_arguments_and_state(make_session):
    session = make_session()
    task = session.add(URL, start_paused=True)
    with pytest.raises(TypeError):
        task.set_priority("high")
    with pytest.raises(TypeError):
        task.set_headers("X: 1")
    with pytest.raises(ycdl.InvalidArgumentError):
        task.set_headers(["bad header"])
    with pytest.raises(TypeError):
        task.cancel(delete_data="yes")
    task.set_priority(-5)
    task.set_headers({"X-Token": "t"})
    task.set_allow_cellular(False)
    assert (task.info().priority, task.info().allow_cellular) == (-5, False)
    task.cancel()
    with pytest.raises(ycdl.InvalidStateError) as raised:
        task.pause()
    assert raised.value.code == -6
    task.remove()
    for call in (task.info, task.pause, task.resume, task.cancel, task.remove):
        with pytest.raises(ycdl.TaskNotFoundError):
            call()


def test_a_closed_session_raises_on_every_call(make_session):
    session = make_session()
    task = session.add(URL, start_paused=True)
    session.close()
    session.close()                                 # twice is fine
    assert session.closed
    calls = [
        lambda: session.add(URL), lambda: session.tasks(), lambda: session.find(URL),
        lambda: session.task(task.key), lambda: session.set_network("offline"),
        lambda: setattr(session, "max_concurrent", 2), lambda: session.events(),
        lambda: session.fileno(), task.info, task.pause, task.resume, task.cancel,
        task.remove, lambda: task.wait(timeout=1), lambda: task.set_priority(1),
    ]
    for call in calls:
        with pytest.raises(ycdl.SessionClosedError) as raised:
            call()
        assert raised.value.code == -7

    async def wait_async():
        await task.wait_async()

    with pytest.raises(ycdl.SessionClosedError):
        asyncio.run(wait_async())


def test_with_block_closes_and_releases_the_identifier(tmp_path):
    with ycdl.Session("scoped", state_dir=tmp_path) as session:
        assert not session.closed
    assert session.closed
    ycdl.Session("scoped", state_dir=tmp_path).close()
