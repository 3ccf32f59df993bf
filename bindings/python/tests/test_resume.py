"""test_resume.py - pause and resume: a range request continues where the
download stopped, and a server without ranges makes it restart from zero."""

from __future__ import annotations

import ycdl
from support import sha256_of

EventKind = ycdl.EventKind
SIZE = 2 * 1024 * 1024


def pause_after(events, task, at_least: int) -> int:
    """Pauses task once at_least bytes are on disk; returns the bytes kept."""
    events.until(lambda e: e.kind is EventKind.PROGRESS and e.key == task.key
                 and e.data.bytes_written >= at_least)
    task.pause()
    info = task.info()
    assert info.status is ycdl.TaskStatus.PAUSED
    assert at_least <= info.bytes_written < SIZE
    return info.bytes_written


def test_pause_then_resume_continues_at_the_offset(servers, make_session, record):
    sha = servers.make_file("resume.bin", SIZE)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/resume.bin?rate=1000000&id=resume")
    events.until(lambda e: e.kind is EventKind.RESUMABILITY)
    assert task.info().resumability is ycdl.Resumability.YES
    held = pause_after(events, task, 300_000)
    events.until_status(task.key, ycdl.TaskStatus.PAUSED)
    task.resume()
    path = task.wait(timeout=30)
    assert sha256_of(path) == sha
    resumed = events.until_kind(EventKind.RESUMED, task.key)
    assert (resumed.data.offset, resumed.data.bytes_expected) == (held, SIZE)
    assert events.of(EventKind.RESTARTED) == []
    # Two requests: the first, then one range for the rest, from 64 KiB
    # before the offset (the core compares that overlap with the part file).
    assert servers.fault_stat("resume", "requests") == 2
    assert "Range: bytes=%d-" % (held - 65536) in servers.fault_headers("resume")


def test_pause_and_resume_against_nginx(servers, make_session, record):
    sha = servers.make_file("resume-nginx.bin", SIZE)
    session = make_session()
    events = record(session)
    task = session.add(servers.nginx + "/resume-nginx.bin?rate=700000")
    pause_after(events, task, 100_000)
    task.resume()
    assert sha256_of(task.wait(timeout=30)) == sha
    events.until_kind(EventKind.FINISHED, task.key)
    assert len(events.of(EventKind.RESUMED, task.key)) == 1


def test_server_without_ranges_restarts_from_zero(servers, make_session, record):
    sha = servers.make_file("norange.bin", SIZE)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/norange.bin?rate=1000000&norange=1&id=norange")
    known = events.until_kind(EventKind.RESUMABILITY, task.key)
    assert known.data.resumability == ycdl.Resumability.NO
    held = pause_after(events, task, 200_000)
    assert task.info().resumability is ycdl.Resumability.NO
    task.resume()
    assert sha256_of(task.wait(timeout=30)) == sha
    restarted = events.until_kind(EventKind.RESTARTED, task.key)
    assert restarted.data.discarded_bytes == held
    assert events.of(EventKind.RESUMED, task.key) == []
    assert "Range:" not in servers.fault_headers("norange")
