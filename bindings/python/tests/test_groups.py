"""test_groups.py - groups of tasks: a persisted name on tasks, a group's
figures (exact counts by status, bytes of known and unknown lengths), the
calls for a whole group, and waiting for group_finished, plainly and with
asyncio."""

from __future__ import annotations

import asyncio
import threading

import pytest

import ycdl
from support import sha256_of

EventKind = ycdl.EventKind
Status = ycdl.TaskStatus


def test_a_group_of_mixed_outcomes_finishes_with_exact_figures(servers, make_session, record):
    # 6 files with a length, 2 without (chunked), 2 answered 404, 1 added
    # paused; one more file in another group and one in none.
    shas, items, known = {}, [], 0
    for i in range(6):
        name = "pg-known-%d.bin" % i
        shas[i] = servers.make_file(name, 10_000 + i * 3_001)
        known += 10_000 + i * 3_001
        items.append({"url": servers.nginx + "/" + name, "group": "album"})
    for i in range(6, 8):
        name = "pg-chunked-%d.bin" % i
        shas[i] = servers.make_file(name, 20_000 + i)
        items.append({"url": servers.fault + "/%s?chunked=1&rate=2000000" % name,
                      "group": "album"})
    for i in range(8, 10):
        items.append({"url": servers.fault + "/pg-missing-%d.bin?always=404" % i,
                      "group": "album"})
    servers.make_file("pg-paused.bin", 1_000)
    items.append({"url": servers.nginx + "/pg-paused.bin", "group": "album",
                  "start_paused": True})
    servers.make_file("pg-other.bin", 1_000)
    items.append({"url": servers.nginx + "/pg-other.bin", "group": "other"})
    items.append(servers.nginx + "/pg-other.bin?none")
    session = make_session(max_concurrent=4, max_retries=0)
    events = record(session)
    # One call: the group cannot finish between two adds.
    tasks = session.add_many(items)
    album = session.group("album")

    figures = album.wait(timeout=60)

    assert isinstance(figures, ycdl.GroupInfo)
    assert figures.name == "album"
    assert (figures.tasks, figures.finished, figures.failed, figures.paused) == (11, 8, 2, 1)
    assert (figures.waiting, figures.downloading, figures.waiting_for_network,
            figures.waiting_for_url, figures.pending) == (0, 0, 0, 0, 0)
    assert figures.bytes_written_known + figures.bytes_written_unknown == \
        known + 20_006 + 20_007
    assert figures.bytes_written_known == figures.bytes_expected >= known
    assert (figures.speed, figures.eta) == (0, None)
    assert album.info() == figures
    for i, sha in shas.items():
        assert sha256_of(tasks[i].info().dest_path) == sha
        assert tasks[i].info().group == "album"
        assert tasks[i].group == album
    assert tasks[-1].info().group is None and tasks[-1].group is None
    # The group's tasks in the order added, and by status.
    assert album.tasks() == tasks[:11]
    assert album.tasks(status="failed") == tasks[8:10]
    assert album.tasks(status=[Status.PAUSED, "failed"]) == tasks[8:11]
    session.group("other").wait(timeout=30)
    assert sorted(g.name for g in session.groups()) == ["album", "other"]
    # Exactly one group_finished for the album; its progress never goes back.
    for name in ("album", "other"):
        events.until(lambda e: e.kind is EventKind.GROUP_FINISHED and e.data.group == name)
    events.until_kind(EventKind.ALL_FINISHED)
    ended = [e for e in events.events if e.kind is EventKind.GROUP_FINISHED
             and e.data.group == "album"]
    assert len(ended) == 1
    assert ended[0].key == "" and ended[0].task is None
    assert ended[0].group == album and ended[0].group_info == figures
    progress = [e.group_info for e in events.events if e.kind is EventKind.GROUP_PROGRESS
                and e.group == album]
    assert progress
    written = [p.bytes_written_known + p.bytes_written_unknown for p in progress]
    assert written == sorted(written)
    assert all(p.bytes_written_known <= p.bytes_expected for p in progress)


def test_a_group_pauses_and_resumes_as_one(servers, make_session, record):
    shas = [servers.make_file("pg-season-%d.bin" % i, 600_000) for i in range(3)]
    servers.make_file("pg-season-x.bin", 600_000)
    session = make_session(max_concurrent=4)
    events = record(session)
    tasks = [session.add(servers.fault + "/pg-season-%d.bin?rate=300000" % i, group="season")
             for i in range(3)]
    outside = session.add(servers.fault + "/pg-season-x.bin?rate=300000")
    for task in tasks + [outside]:
        events.until_kind(EventKind.PROGRESS, task.key)
    season = session.group("season")

    season.pause()

    # Done when the call returns; the task outside goes on.
    assert [t.status for t in tasks] == [Status.PAUSED] * 3
    assert outside.status is Status.DOWNLOADING
    paused = season.wait(timeout=5)       # nothing pending: at once
    assert (paused.paused, paused.finished, paused.downloading, paused.speed) == (3, 0, 0, 0)
    assert paused.bytes_expected == 3 * 600_000 and 0 < paused.bytes_written_known
    season.set_priority(7)
    season.set_allow_cellular(False)
    assert [(t.info().priority, t.info().allow_cellular) for t in tasks] == [(7, False)] * 3
    assert (outside.info().priority, outside.info().allow_cellular) == (0, True)

    async def resume_and_wait():
        season.start()
        return await season.wait_async(timeout=30)

    done = asyncio.run(resume_and_wait())
    assert (done.finished, done.tasks, done.paused) == (3, 3, 0)
    assert done.bytes_written_known == done.bytes_expected == 3 * 600_000
    assert [sha256_of(t.wait(timeout=5)) for t in tasks] == shas


def test_bad_group_names_and_unknown_groups_raise_exact_errors(make_session):
    session = make_session()
    url = "http://127.0.0.1:9/pg-bad.bin"
    with pytest.raises(ycdl.InvalidArgumentError) as raised:
        session.add(url, group="bad\nname", start_paused=True)
    assert raised.value.code == -1
    with pytest.raises(ycdl.InvalidArgumentError):
        session.add(url, group="g" * 201, start_paused=True)
    with pytest.raises(TypeError):
        session.add(url, group=5, start_paused=True)
    assert session.tasks() == []
    task = session.add(url, start_paused=True)
    with pytest.raises(ycdl.InvalidArgumentError):
        task.set_group("tab\there")
    with pytest.raises(ycdl.InvalidArgumentError):
        task.set_group("nul\0inside")
    with pytest.raises(TypeError):
        session.group(None)
    nobody = session.group("nobody")
    calls = [nobody.info, nobody.tasks, nobody.start, nobody.pause, nobody.cancel,
             nobody.remove, lambda: nobody.set_priority(1),
             lambda: nobody.set_allow_cellular(True), lambda: nobody.wait(timeout=1)]
    for call in calls:
        with pytest.raises(ycdl.GroupNotFoundError) as raised:
            call()
        assert raised.value.code == -4
        assert isinstance(raised.value, ycdl.TaskNotFoundError)
    with pytest.raises(ycdl.GroupNotFoundError):
        asyncio.run(nobody.wait_async(timeout=1))
    with pytest.raises(TypeError):
        nobody.set_priority("high")
    assert session.groups() == []
    # The task is untouched by all that.
    assert (task.status, task.info().group) == (Status.PAUSED, None)


def test_a_group_set_later_survives_a_restart_and_goes_with_its_tasks(make_session, tmp_path):
    session = make_session("pg-later")
    tasks = [session.add("http://127.0.0.1:9/pg-later-%d.bin" % i, start_paused=True)
             for i in range(3)]
    tasks[0].set_group("later")
    tasks[1].set_group("later")
    tasks[2].set_group("elsewhere")
    assert (session.group("later").info().tasks, session.group("later").info().paused) == (2, 2)
    session.close()

    session = make_session("pg-later")
    later = session.group("later")
    assert session.task(tasks[1].key).info().group == "later"
    assert later.info().tasks == 2
    assert {g.name for g in session.groups()} == {"later", "elsewhere"}
    session.task(tasks[2].key).set_group("later")
    with pytest.raises(ycdl.GroupNotFoundError):
        session.group("elsewhere").info()
    assert later.info().tasks == 3
    session.task(tasks[0].key).set_group(None)
    assert session.task(tasks[0].key).info().group is None
    later.remove(delete_file=True)
    with pytest.raises(ycdl.GroupNotFoundError):
        later.info()
    assert [t.key for t in session.tasks()] == [tasks[0].key]
    assert session.groups() == []


def test_waits_end_when_the_group_is_removed_or_time_runs_out(servers, make_session):
    servers.make_file("pg-slow.bin", 2_000_000)
    session = make_session()
    slow = session.group("slow")
    task = session.add(servers.fault + "/pg-slow.bin?rate=200000", group="slow")
    with pytest.raises(TimeoutError):
        slow.wait(timeout=0.2)

    async def timeout_async():
        await slow.wait_async(timeout=0.2)

    with pytest.raises(TimeoutError):
        asyncio.run(timeout_async())
    threading.Timer(0.3, slow.remove).start()
    with pytest.raises(ycdl.GroupNotFoundError):
        slow.wait(timeout=10)
    with pytest.raises(ycdl.TaskNotFoundError):
        task.info()

    other = session.add(servers.fault + "/pg-slow.bin?rate=200000&again", group="slow")

    async def removed_async():
        asyncio.get_running_loop().call_later(0.3, slow.remove)
        await slow.wait_async(timeout=10)

    with pytest.raises(ycdl.GroupNotFoundError):
        asyncio.run(removed_async())
    assert other not in session.tasks()


def test_a_closed_session_ends_a_group_wait(make_session):
    session = make_session(max_retries=1000)
    session.add("http://127.0.0.1:9/pg-closed.bin", group="closed")     # waits, retrying
    group = session.group("closed")
    threading.Timer(0.3, session.close).start()
    with pytest.raises(ycdl.SessionClosedError):
        group.wait(timeout=10)
    with pytest.raises(ycdl.SessionClosedError):
        group.info()
