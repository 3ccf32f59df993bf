"""test_queue.py - the concurrency limit and the network policy, observed
through the session's events."""

from __future__ import annotations

from typing import List, Tuple

import ycdl

EventKind = ycdl.EventKind
DOWNLOADING = ycdl.TaskStatus.DOWNLOADING


def replay(events: List[ycdl.Event]) -> Tuple[int, List[str]]:
    """The most tasks downloading at one time, and the keys in start order."""
    running = peak = 0
    started = []
    for event in events:
        if event.kind is not EventKind.STATUS_CHANGED:
            continue
        if event.data.new_status == DOWNLOADING:
            running += 1
            started.append(event.key)
        if event.data.old_status == DOWNLOADING:
            running -= 1
        peak = max(peak, running)
    return peak, started


def test_at_most_max_concurrent_run_and_the_rest_start_in_order(servers, make_session, record):
    session = make_session(max_concurrent=2)
    events = record(session)
    tasks = []
    for i in range(5):
        servers.make_file("queue-%d.bin" % i, 150_000)
        tasks.append(session.add(servers.fault + "/queue-%d.bin?rate=600000" % i))
    events.until_kind(EventKind.ALL_FINISHED)
    peak, started = replay(events.events)
    assert peak == 2
    assert started == [t.key for t in tasks]
    assert len(events.of(EventKind.FINISHED)) == 5
    assert session.max_concurrent == 2


def test_raising_max_concurrent_starts_waiting_tasks_at_once(servers, make_session, record):
    session = make_session(max_concurrent=1)
    events = record(session)
    tasks = []
    for i in range(3):
        servers.make_file("raise-%d.bin" % i, 300_000)
        tasks.append(session.add(servers.fault + "/raise-%d.bin?rate=300000" % i))
    events.until_status(tasks[0].key, DOWNLOADING)
    assert [t.status for t in tasks[1:]] == [ycdl.TaskStatus.WAITING] * 2
    session.max_concurrent = 3
    events.until_status(tasks[2].key, DOWNLOADING)
    events.until_kind(EventKind.ALL_FINISHED)
    assert replay(events.events)[0] == 3


def test_cellular_network_holds_tasks_until_allowed(servers, make_session, record):
    servers.make_file("cell.bin", 50_000)
    session = make_session(allow_cellular=False)
    events = record(session)
    session.set_network("cellular")
    assert session.network is ycdl.Network.CELLULAR
    task = session.add(servers.fault + "/cell.bin")
    events.until_status(task.key, ycdl.TaskStatus.WAITING_FOR_NETWORK)
    session.allow_cellular = True
    task.wait(timeout=30)
    assert session.allow_cellular is True
