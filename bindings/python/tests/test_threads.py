"""test_threads.py - one session used from several threads: events taken on
another thread than the one adding tasks, concurrent adds and waits, a
close from a third thread that ends everyone's wait cleanly, and an event
iterator closed while another thread is blocked reading it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import ycdl
from support import assert_numbered, sha256_of

EventKind = ycdl.EventKind


def test_events_consumed_on_another_thread_miss_nothing(servers, make_session):
    shas = [servers.make_file("thread-%d.bin" % i, 200_000 + i) for i in range(4)]
    session = make_session()
    stream = session.events(timeout=30)
    seen = []
    finished = set()

    def consume():
        for event in stream:
            seen.append(event)
            if event.kind is EventKind.FINISHED:
                finished.add(event.key)
            if len(finished) == 4:
                break

    consumer = threading.Thread(target=consume)
    consumer.start()
    tasks = [session.add(servers.fault + "/thread-%d.bin?rate=800000" % i) for i in range(4)]
    # This thread waits too: both take events, and each sees all of them.
    paths = [task.wait(timeout=30) for task in tasks]
    consumer.join(30)
    assert not consumer.is_alive()
    assert [sha256_of(p) for p in paths] == shas
    assert finished == {t.key for t in tasks}
    assert_numbered(seen)


def test_adds_and_waits_from_many_threads(servers, make_session):
    shas = {i: servers.make_file("pool-%d.bin" % i, 50_000 + i) for i in range(8)}
    session = make_session(max_concurrent=4)

    def download(i):
        return i, session.add(servers.nginx + "/pool-%d.bin" % i).wait(timeout=30)

    with ThreadPoolExecutor(8) as pool:
        results = dict(pool.map(download, range(8)))
    assert {i: sha256_of(p) for i, p in results.items()} == shas


def test_close_on_another_thread_ends_waits_and_iterations(servers, make_session):
    servers.make_file("close-thread.bin", 2_000_000)
    session = make_session()
    task = session.add(servers.fault + "/close-thread.bin?rate=200000")
    outcome = {}

    def wait():
        try:
            task.wait()
        except ycdl.SessionClosedError as error:
            outcome["wait"] = error

    def iterate():
        outcome["events"] = sum(1 for _ in session.events())

    threads = [threading.Thread(target=wait), threading.Thread(target=iterate)]
    for thread in threads:
        thread.start()
    threading.Timer(0.3, session.close).start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert isinstance(outcome["wait"], ycdl.SessionClosedError)
    assert outcome["wait"].code == -7
    assert outcome["events"] >= 1
    with pytest.raises(ycdl.SessionClosedError):
        task.info()


def test_closing_while_other_threads_call_in_never_crashes(make_session):
    session = make_session()
    task = session.add("http://127.0.0.1:9/hammer.bin", start_paused=True)
    ended = []

    def hammer(n):
        try:
            for i in range(1_000_000):
                task.info()
                session.tasks()
                session.add("http://127.0.0.1:9/hammer-%d-%d.bin" % (n, i), start_paused=True)
        except ycdl.SessionClosedError:
            ended.append(n)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.3)
    session.close()
    for thread in threads:
        thread.join(10)
    assert sorted(ended) == [0, 1, 2, 3]


class BlockedReader:
    """A thread reading an event iterator that has no timeout, by iteration
    ("iterate") or by get(None) until it returns None ("get"). Records what
    it saw and whatever it raised."""

    def __init__(self, stream, read):
        self.stream = stream
        self.seen = []
        self.raised = None
        self.ended_at = None
        self.started = threading.Event()
        events = stream if read == "iterate" else iter(lambda: stream.get(None), None)
        self.thread = threading.Thread(target=self._read, args=(events,))
        self.thread.start()

    def _read(self, events):
        try:
            for event in events:
                self.seen.append(event)
                self.started.set()
        except BaseException as error:      # reported by join()
            self.raised = error
        self.ended_at = time.monotonic()

    def blocked(self):
        """Waits until the reader took the pending events and sits in its
        next read, with nothing more to come."""
        assert self.started.wait(10)
        time.sleep(0.2)
        assert self.thread.is_alive()

    def join(self):
        self.thread.join(5)
        assert not self.thread.is_alive(), "the reader is still blocked"
        assert self.raised is None


@pytest.mark.parametrize("read", ["iterate", "get"])
@pytest.mark.parametrize("other_waiter", [False, True], ids=["alone", "beside-a-wait"])
def test_closing_an_iterator_ends_a_read_blocked_on_another_thread(make_session, read,
                                                                    other_waiter):
    session = make_session()
    stream = session.events()
    waits = []
    if other_waiter:
        # A wait on a paused task blocks in poll() first, so that the reader
        # waits on the core's condition instead.
        paused = session.add("http://127.0.0.1:9/blocked-beside.bin", start_paused=True)

        def wait():
            try:
                paused.wait()
            except ycdl.SessionClosedError as error:
                waits.append(error)

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.1)
    reader = BlockedReader(stream, read)
    reader.blocked()
    closed_at = time.monotonic()
    reader.stream.close()
    reader.join()
    assert reader.ended_at - closed_at < 1.0
    expected = [EventKind.SESSION_RESTORED] + [EventKind.TASK_ADDED] * other_waiter
    assert [e.kind for e in reader.seen] == expected
    assert reader.stream.get(0) is None
    # Only that iterator ended: the session still delivers to a new one.
    with session.events(timeout=10) as fresh:
        task = session.add("http://127.0.0.1:9/after-close.bin", start_paused=True)
        added = next(fresh)
    assert (added.kind, added.key) == (EventKind.TASK_ADDED, task.key)
    if other_waiter:
        assert waiter.is_alive()
        session.close()
        waiter.join(5)
        assert [type(error) for error in waits] == [ycdl.SessionClosedError]


@pytest.mark.parametrize("read", ["iterate", "get"])
@pytest.mark.parametrize("close_iterator_first", [False, True],
                         ids=["session-only", "iterator-then-session"])
def test_closing_the_session_ends_a_read_blocked_on_another_thread(make_session, read,
                                                                  close_iterator_first):
    session = make_session()
    reader = BlockedReader(session.events(), read)
    reader.blocked()
    if close_iterator_first:
        closer = threading.Thread(target=reader.stream.close)
        closer.start()
        closer.join()
    session.close()
    reader.join()
    assert [e.kind for e in reader.seen] == [EventKind.SESSION_RESTORED]
    assert reader.stream.get(None) is None
