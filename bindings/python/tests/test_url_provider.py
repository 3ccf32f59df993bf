"""test_url_provider.py - Session(url_provider=...): a task whose URL answers
403 gets the provider's URL through set_url, once; None or an exception
leaves it waiting for a URL, and the exception is logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

import ycdl
from support import sha256_of

EventKind = ycdl.EventKind
Status = ycdl.TaskStatus


def test_a_plain_provider_refreshes_the_url_during_a_wait(servers, make_session):
    sha = servers.make_file("up-plain.bin", 300_000)
    fresh = servers.fault + "/up-plain.bin?id=up-plain-2"
    calls = []

    def refresh(task):
        calls.append(task.key)
        return fresh

    session = make_session(url_refresh_statuses=[403], url_provider=refresh)
    task = session.add(servers.fault + "/up-plain.bin?id=up-plain&always=403")

    assert sha256_of(task.wait(timeout=30)) == sha
    assert calls == [task.key]
    assert task.info().request_url == fresh


def test_an_async_provider_refreshes_the_url_on_the_running_loop(servers, make_session):
    sha = servers.make_file("up-async.bin", 300_000)
    fresh = servers.fault + "/up-async.bin?id=up-async-2"
    calls = []

    async def refresh(task):
        calls.append((task.key, asyncio.get_running_loop()))
        await asyncio.sleep(0.01)
        return fresh

    session = make_session(url_refresh_statuses=[403], url_provider=refresh)

    async def main():
        task = session.add(servers.fault + "/up-async.bin?id=up-async&always=403")
        return task, await task.wait_async(timeout=30), asyncio.get_running_loop()

    task, path, loop = asyncio.run(main())
    assert sha256_of(path) == sha
    assert calls == [(task.key, loop)]


def test_an_async_provider_also_answers_a_plain_events_iteration(servers, make_session):
    sha = servers.make_file("up-iter.bin", 200_000)
    calls = []

    async def refresh(task):
        calls.append(task.key)
        return servers.fault + "/up-iter.bin?id=up-iter-2"

    session = make_session(url_refresh_statuses=[403], url_provider=refresh)
    task = session.add(servers.fault + "/up-iter.bin?id=up-iter&always=403")
    kinds = []
    for event in session.events(timeout=30):
        kinds.append(event.kind)
        if event.key == task.key and event.is_final:
            break

    assert kinds[-1] is EventKind.FINISHED
    assert EventKind.URL_NEEDED in kinds and EventKind.URL_CHANGED in kinds
    assert calls == [task.key]
    assert sha256_of(task.wait(timeout=5)) == sha


def test_a_provider_answering_none_leaves_the_task_waiting(servers, make_session, record):
    sha = servers.make_file("up-none.bin", 100_000)
    calls = []

    def refresh(task):
        calls.append(task.key)

    session = make_session(url_refresh_statuses=[403], url_provider=refresh)
    events = record(session)
    task = session.add(servers.fault + "/up-none.bin?id=up-none&always=403")
    events.until_kind(EventKind.URL_NEEDED, task.key)
    with pytest.raises(TimeoutError):
        task.wait(timeout=0.5)

    assert calls == [task.key]
    assert task.status is Status.WAITING_FOR_URL
    task.set_url(servers.fault + "/up-none.bin?id=up-none-2")     # the app still may
    assert sha256_of(task.wait(timeout=30)) == sha


def _provider_failures(caplog):
    return [r for r in caplog.records if r.name == "ycdl" and "url_provider" in r.message]


def test_a_plain_provider_that_raises_leaves_the_task_waiting_and_is_logged(
        servers, make_session, record, caplog):
    servers.make_file("up-raise.bin", 100_000)

    def fail(task):
        raise RuntimeError("no link for %s" % task.key)

    session = make_session(url_refresh_statuses=[403], url_provider=fail)
    events = record(session)
    task = session.add(servers.fault + "/up-raise.bin?id=up-raise&always=403")
    with caplog.at_level(logging.ERROR, logger="ycdl"):
        events.until_kind(EventKind.URL_NEEDED, task.key)

    failures = _provider_failures(caplog)
    assert len(failures) == 1
    assert task.key in failures[0].message and "no link for" in failures[0].message
    assert isinstance(failures[0].exc_info[1], RuntimeError)
    with pytest.raises(TimeoutError):
        task.wait(timeout=0.3)
    assert task.status is Status.WAITING_FOR_URL


def test_an_async_provider_that_raises_leaves_the_loop_running(servers, make_session, caplog):
    servers.make_file("up-araise.bin", 100_000)

    async def fail(task):
        await asyncio.sleep(0)
        raise RuntimeError("no link for %s" % task.key)

    session = make_session(url_refresh_statuses=[403], url_provider=fail)
    handler_calls = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: handler_calls.append(ctx))
        task = session.add(servers.fault + "/up-araise.bin?id=up-araise&always=403")
        async for event in session.aevents(timeout=30):
            if event.kind is EventKind.URL_NEEDED and event.key == task.key:
                break
        for _ in range(20):         # the provider runs as a task of this loop
            if _provider_failures(caplog):
                break
            await asyncio.sleep(0.05)
        return task

    with caplog.at_level(logging.ERROR, logger="ycdl"):
        task = asyncio.run(main())

    failures = _provider_failures(caplog)
    assert len(failures) == 1 and task.key in failures[0].message
    assert handler_calls == []
    assert task.status is Status.WAITING_FOR_URL


def test_a_url_set_url_refuses_is_logged_and_the_task_waits(servers, make_session, record, caplog):
    servers.make_file("up-bad.bin", 100_000)
    session = make_session(url_refresh_statuses=[403], url_provider=lambda task: "ftp://x/y")
    events = record(session)
    task = session.add(servers.fault + "/up-bad.bin?id=up-bad&always=403")
    with caplog.at_level(logging.ERROR, logger="ycdl"):
        events.until_kind(EventKind.URL_NEEDED, task.key)
    assert [type(r.exc_info[1]) for r in caplog.records if r.name == "ycdl"] == \
        [ycdl.ProtocolNotAllowedError]
    assert task.status is Status.WAITING_FOR_URL


def test_url_provider_arguments_are_checked(tmp_path):
    with pytest.raises(TypeError):
        ycdl.Session("up-args", state_dir=tmp_path, url_provider="https://example.com/")
    with pytest.raises(ycdl.InvalidArgumentError):
        ycdl.Session("up-args", state_dir=tmp_path, url_provider=lambda task: None,
                     receive_events=False)
