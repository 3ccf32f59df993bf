"""test_threads.py - one session used from several threads: events taken on
another thread than the one adding tasks, concurrent adds and waits, and a
close from a third thread that ends everyone's wait cleanly."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import ycdl
from support import sha256_of

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
    assert [e.seq for e in seen] == list(range(1, len(seen) + 1))


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
