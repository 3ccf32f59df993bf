"""test_asyncio.py - the asyncio API: several downloads awaited at once,
events taken by the loop through the session's event fd, never blocking it,
and iterations that end when their iterator or the session is closed."""

from __future__ import annotations

import asyncio

import pytest

import ycdl
from support import assert_numbered, sha256_of

EventKind = ycdl.EventKind


def test_several_tasks_awaited_at_once(servers, make_session):
    shas = [servers.make_file("async-%d.bin" % i, 400_000 + i) for i in range(4)]
    session = make_session(max_concurrent=4)

    async def main():
        tasks = [session.add(servers.fault + "/async-%d.bin?rate=800000" % i) for i in range(4)]
        return await asyncio.gather(*(task.wait_async(timeout=30) for task in tasks))

    paths = asyncio.run(main())
    assert [sha256_of(p) for p in paths] == shas


def test_aevents_sees_every_event_and_the_loop_keeps_running(servers, make_session):
    for i in range(3):
        servers.make_file("aevents-%d.bin" % i, 300_000)
    session = make_session()

    async def main():
        ticks = 0
        stop = asyncio.Event()

        async def tick():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        seen = []
        keys = {session.add(servers.fault + "/aevents-%d.bin?rate=600000" % i).key
                for i in range(3)}
        async for event in session.aevents(timeout=30):
            seen.append(event)
            if event.kind is EventKind.ALL_FINISHED:
                break
        stop.set()
        await ticker
        return keys, seen, ticks

    keys, seen, ticks = asyncio.run(main())
    assert {e.key for e in seen if e.kind is EventKind.FINISHED} == keys
    assert_numbered(seen)
    assert seen[0].kind is EventKind.SESSION_RESTORED
    # About half a second of downloads: the loop ran all along.
    assert ticks >= 20


def test_wait_async_raises_the_download_error(servers, make_session):
    session = make_session(max_retries=0)

    async def main():
        await session.add(servers.nginx + "/async-missing.bin").wait_async(timeout=30)

    with pytest.raises(ycdl.HTTPError) as raised:
        asyncio.run(main())
    assert raised.value.http_status == 404


def test_wait_async_times_out(servers, make_session):
    servers.make_file("async-slow.bin", 1_000_000)
    session = make_session()

    async def main():
        task = session.add(servers.fault + "/async-slow.bin?rate=200000")
        with pytest.raises(TimeoutError):
            await task.wait_async(timeout=0.2)
        task.pause()

    asyncio.run(main())


def test_closing_the_session_ends_async_iteration(servers, make_session):
    session = make_session()

    async def main():
        loop = asyncio.get_running_loop()
        seen = []
        loop.call_later(0.2, session.close)
        async for event in session.aevents():
            seen.append(event.kind)
        return seen

    assert asyncio.run(main()) == [EventKind.SESSION_RESTORED]
    assert session.closed


async def _read_until_end(stream, read):
    """The kinds of the events stream gives until it ends, by iteration or
    by get(None)."""
    seen = []
    if read == "iterate":
        async for event in stream:
            seen.append(event.kind)
    else:
        while (event := await stream.get(None)) is not None:
            seen.append(event.kind)
    return seen


@pytest.mark.parametrize("read", ["iterate", "get"])
@pytest.mark.parametrize("closer", ["aclose-in-another-task", "close-on-another-thread"])
def test_closing_an_async_iterator_ends_a_pending_read(make_session, read, closer):
    session = make_session()

    async def main():
        stream = session.aevents()
        reader = asyncio.create_task(_read_until_end(stream, read))
        await asyncio.sleep(0.3)    # session_restored taken, the next read pending
        assert not reader.done()
        if closer == "aclose-in-another-task":
            await stream.aclose()
        else:
            await asyncio.get_running_loop().run_in_executor(None, stream.close)
        seen = await asyncio.wait_for(reader, 2)
        assert await stream.get(None) is None
        # Only that iterator ended: a new one still sees new events.
        async with session.aevents(timeout=10) as again:
            task = session.add("http://127.0.0.1:9/async-after-close.bin", start_paused=True)
            added = await again.__anext__()
        assert (added.kind, added.key) == (EventKind.TASK_ADDED, task.key)
        return seen

    assert asyncio.run(main()) == [EventKind.SESSION_RESTORED]


@pytest.mark.parametrize("read", ["iterate", "get"])
def test_closing_the_session_on_another_thread_ends_a_pending_async_read(make_session, read):
    session = make_session()

    async def main():
        reader = asyncio.create_task(_read_until_end(session.aevents(), read))
        await asyncio.sleep(0.3)
        assert not reader.done()
        await asyncio.get_running_loop().run_in_executor(None, session.close)
        return await asyncio.wait_for(reader, 2)

    assert asyncio.run(main()) == [EventKind.SESSION_RESTORED]
    assert session.closed
