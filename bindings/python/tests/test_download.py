"""test_download.py - plain downloads from the real servers: bytes, events,
metadata and the errors a failed download raises."""

from __future__ import annotations

import asyncio
import threading

import pytest

import ycdl
from support import assert_numbered, sha256_of

EventKind = ycdl.EventKind
Status = ycdl.TaskStatus


def test_download_from_nginx_is_byte_identical(servers, make_session):
    sha = servers.make_file("plain.bin", 1_500_000)
    session = make_session()
    task = session.add(servers.nginx + "/plain.bin")
    path = task.wait(timeout=30)
    assert sha256_of(path) == sha
    info = task.info()
    assert info.status is Status.FINISHED
    assert info.sha256 == sha
    assert info.bytes_written == info.bytes_expected == 1_500_000
    assert path == info.dest_path
    assert path.name == task.key + ".bin"       # the MD5 of the URL, plus its extension


def test_sha256_can_be_left_out(servers, make_session):
    sha = servers.make_file("nohash.bin", 200_000)
    session = make_session(compute_sha256=False)
    task = session.add(servers.nginx + "/nohash.bin")
    path = task.wait(timeout=30)
    assert sha256_of(path) == sha
    assert task.info().sha256 is None


def test_download_over_https_verifies_with_the_test_ca(servers, make_session):
    sha = servers.make_file("tls.bin", 300_000)
    session = make_session(ca_file=servers.ca_file)
    path = session.add(servers.nginx_tls + "/tls.bin").wait(timeout=30)
    assert sha256_of(path) == sha


def test_unknown_certificate_raises_tls_error(servers, make_session):
    servers.make_file("untrusted.bin", 1000)
    session = make_session(max_retries=0)
    with pytest.raises(ycdl.TLSError) as raised:
        session.add(servers.nginx_tls + "/untrusted.bin").wait(timeout=30)
    assert raised.value.code == ycdl.TLSError.code == -15
    assert isinstance(raised.value, ycdl.NetworkError)


def test_events_of_a_download_come_in_order(servers, make_session, record):
    sha = servers.make_file("events.bin", 400_000)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/events.bin?rate=2000000", file_id="ep-1",
                       display_name="Episode 1")
    events.until_kind(EventKind.ALL_FINISHED)
    kinds = [e.kind for e in events.events if e.kind is not EventKind.PROGRESS]
    assert kinds == [EventKind.SESSION_RESTORED, EventKind.TASK_ADDED,
                     EventKind.STATUS_CHANGED, EventKind.RESUMABILITY,
                     EventKind.STATUS_CHANGED, EventKind.FINISHED, EventKind.ALL_FINISHED]
    assert_numbered(events.events)
    started, ended = events.of(EventKind.STATUS_CHANGED)
    assert (started.data.old_status, started.data.new_status) == (Status.WAITING,
                                                                  Status.DOWNLOADING)
    assert (ended.data.old_status, ended.data.new_status) == (Status.DOWNLOADING,
                                                              Status.FINISHED)
    progress = events.of(EventKind.PROGRESS)
    assert len(progress) >= 2
    assert progress[-1].data.bytes_written == progress[-1].data.bytes_expected == 400_000
    assert sum(p.data.bytes_this_burst for p in progress) == 400_000
    # The ETA as task info says it: seconds left at the current speed.
    assert all(p.data.eta_seconds == (400_000 - p.data.bytes_written) // p.data.speed_bps
               for p in progress if p.data.speed_bps)
    finished = events.of(EventKind.FINISHED)[0]
    assert finished.key == task.key == "ep-1"
    assert finished.task == task
    assert finished.data.sha256_hex == sha
    assert finished.data.size == 400_000
    assert finished.data.display_name == "Episode 1"
    assert finished.data.path == str(task.wait())
    assert events.of(EventKind.ALL_FINISHED)[0].key == ""
    assert events.of(EventKind.ALL_FINISHED)[0].data.finished == 1


def test_metadata_and_names_are_kept_with_the_task(servers, make_session, tmp_path):
    servers.make_file("meta.bin", 10_000)
    session = make_session()
    dest = tmp_path / "exact-name.data"
    task = session.add(servers.nginx + "/meta.bin", dest, file_id="meta-1",
                       display_name="Meta", thumbnail_url="https://example.com/t.jpg",
                       metadata=b"\x00\x01binary\xff", priority=3, start_paused=True)
    info = task.info()
    assert info.status is Status.PAUSED
    assert (info.key, info.file_id, info.display_name) == ("meta-1", "meta-1", "Meta")
    assert info.thumbnail_url == "https://example.com/t.jpg"
    assert info.metadata == b"\x00\x01binary\xff"
    assert info.priority == 3
    assert info.dest_path == dest
    task.resume()
    assert task.wait(timeout=30) == dest


def test_directory_destination_takes_the_default_name(servers, make_session, tmp_path):
    servers.make_file("indir.bin", 5_000)
    folder = tmp_path / "folder"
    folder.mkdir()
    session = make_session()
    path = session.add(servers.nginx + "/indir.bin", folder, file_id="named").wait(timeout=30)
    assert path == folder / "named.bin"


def test_adding_the_same_url_again_returns_the_same_task(servers, make_session):
    servers.make_file("twice.bin", 5_000)
    session = make_session()
    first = session.add(servers.nginx + "/twice.bin", start_paused=True)
    second = session.add(servers.nginx + "/twice.bin")
    assert first == second
    assert session.tasks() == [first]
    assert session.find(servers.nginx + "/twice.bin") == first
    assert session.find(servers.nginx + "/other.bin") is None
    assert first.key in session


def test_checksum_mismatch_raises_checksum_error(servers, make_session):
    servers.make_file("badsum.bin", 20_000)
    session = make_session()
    task = session.add(servers.nginx + "/badsum.bin", checksum="sha256:" + "0" * 64)
    with pytest.raises(ycdl.ChecksumMismatchError) as raised:
        task.wait(timeout=30)
    error = raised.value
    assert isinstance(error, ycdl.DownloadError)
    assert error.code == -19
    assert error.key == task.key
    assert "checksum" in error.message
    assert task.info().error_code == -19
    assert isinstance(task.info().error, ycdl.ChecksumMismatchError)


def test_matching_checksum_finishes(servers, make_session):
    sha = servers.make_file("goodsum.bin", 20_000)
    session = make_session()
    path = session.add(servers.nginx + "/goodsum.bin", checksum="sha256:" + sha).wait(timeout=30)
    assert sha256_of(path) == sha


def test_missing_file_raises_http_error_with_status(servers, make_session):
    session = make_session(max_retries=0)
    task = session.add(servers.nginx + "/no-such-file.bin")
    with pytest.raises(ycdl.HTTPError) as raised:
        task.wait(timeout=30)
    assert raised.value.code == -16
    assert raised.value.http_status == 404
    assert "404" in str(raised.value)


def test_server_errors_are_retried_then_succeed(servers, make_session, record):
    sha = servers.make_file("flaky.bin", 50_000)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/flaky.bin?id=flaky&fail=2&status=503")
    assert sha256_of(task.wait(timeout=30)) == sha
    events.until_kind(EventKind.FINISHED, task.key)
    retries = events.of(EventKind.RETRYING, task.key)
    assert [r.data.attempt for r in retries] == [1, 2]
    assert all(r.data.http_status == 503 for r in retries)
    assert servers.fault_stat("flaky", "requests") == 3


def test_cancel_raises_canceled_error_from_wait(servers, make_session, record):
    servers.make_file("cancel.bin", 2_000_000)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/cancel.bin?rate=500000")
    events.until_kind(EventKind.PROGRESS, task.key)
    task.cancel()
    with pytest.raises(ycdl.DownloadCanceledError) as raised:
        task.wait(timeout=10)
    assert raised.value.code == -22
    assert task.status is Status.FAILED


def test_remove_forgets_the_task(servers, make_session, record):
    servers.make_file("remove.bin", 2_000_000)
    session = make_session()
    events = record(session)
    task = session.add(servers.fault + "/remove.bin?rate=500000")
    events.until_kind(EventKind.PROGRESS, task.key)
    task.remove()
    events.until_kind(EventKind.REMOVED, task.key)
    assert session.tasks() == []
    with pytest.raises(ycdl.TaskNotFoundError) as raised:
        task.info()
    assert raised.value.code == -4
    with pytest.raises(ycdl.TaskNotFoundError):
        task.wait(timeout=5)


def test_a_wait_in_progress_ends_when_the_task_is_removed(make_session):
    session = make_session()
    task = session.add("http://127.0.0.1:9/removed-while-waited.bin", start_paused=True)
    threading.Timer(0.3, task.remove).start()
    with pytest.raises(ycdl.TaskNotFoundError) as raised:
        task.wait(timeout=10)
    assert raised.value.key == task.key


def test_an_async_wait_in_progress_ends_when_the_task_is_removed(make_session):
    session = make_session()
    task = session.add("http://127.0.0.1:9/removed-while-awaited.bin", start_paused=True)

    async def main():
        asyncio.get_running_loop().call_later(0.3, task.remove)
        await task.wait_async(timeout=10)

    with pytest.raises(ycdl.TaskNotFoundError) as raised:
        asyncio.run(main())
    assert raised.value.key == task.key
