"""test_soak.py - a long-lived session under rounds of add, finish and
remove: nothing the binding holds keeps a removed task, and Python's memory
stays flat from round to round."""

from __future__ import annotations

import gc
import tracemalloc
import types

import ycdl

EventKind = ycdl.EventKind

ROUNDS = 6
FILES_PER_ROUND = 300
# What the traced memory may grow from the second round to the last; a
# leak of a few hundred bytes per removed task is far above it.
GROWTH_BOUND = 64 * 1024


def keys_held(root, keys):
    """The keys among keys that some object reachable from root holds.
    Classes, modules and functions' globals are shared with everything
    else and not searched; closures and defaults are."""
    found = set()
    seen = set()
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if obj in keys:
                found.add(obj)
        elif isinstance(obj, types.FunctionType):
            todo.extend(cell.cell_contents for cell in obj.__closure__ or ())
            todo.extend(obj.__defaults__ or ())
        elif not isinstance(obj, (type, types.ModuleType, types.CodeType)):
            todo.extend(gc.get_referents(obj))
    return found


def add_finish_remove(session, servers, round_number):
    """One round: adds every file under a new URL, waits until all have
    finished, removes them and takes the removed events. Returns the keys."""
    tasks = [session.add(servers.nginx + "/soak-%d.bin?round=%d" % (i, round_number))
             for i in range(FILES_PER_ROUND)]
    for task in tasks:
        task.wait(timeout=30)
    keys = {task.key for task in tasks}
    removed = set()
    with session.events(timeout=10) as stream:
        for task in tasks:
            task.remove(delete_file=True)
        for event in stream:
            if event.kind is EventKind.REMOVED:
                removed.add(event.key)
            if removed == keys:
                break
    assert removed == keys
    return keys


def test_add_finish_remove_rounds_leave_no_state_and_keep_memory_flat(servers, make_session):
    for i in range(FILES_PER_ROUND):
        servers.make_file("soak-%d.bin" % i, 1024 + i)
    session = make_session(max_concurrent=16)
    held = []
    traced = []
    try:
        for round_number in range(ROUNDS):
            keys = add_finish_remove(session, servers, round_number)
            gc.collect()
            held.append(len(keys_held(session, keys)))
            del keys
            gc.collect()
            if round_number == 0:
                tracemalloc.start()     # round 0 warms up caches and pools
            else:
                traced.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert session.tasks() == []
    report = ("removed keys still held after each round: %s; traced memory after "
              "rounds 1..%d: %s bytes" % (held, ROUNDS - 1, traced))
    assert held == [0] * ROUNDS, report
    assert not session._core._listeners, report
    assert traced[-1] - traced[0] < GROWTH_BOUND, report
