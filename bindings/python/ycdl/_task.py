"""_task.py - a download in a session (Task) and a snapshot of it (TaskInfo)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from . import _convert as convert, ycdl_pb2
from ._core import AsyncOutcome, Outcome
from ._events import Event
from ._native import ffi, lib
from ._types import Resumability, TaskStatus
from .errors import DownloadError, TaskNotFoundError, check, download_error_for

if TYPE_CHECKING:
    from ._group import Group
    from ._session import Session

_RESUMABILITY = {1: Resumability.YES, 0: Resumability.NO, -1: Resumability.UNKNOWN}


@dataclass(frozen=True)
class TaskInfo:
    """A snapshot of one task, as :meth:`Task.info` returns it.

    Attributes:
        key: the task's key (its file id, else the MD5 of its URL).
        url: the original URL, the task's identity.
        final_url: the URL after redirects; ``""`` before the first response.
        dest_path: where the finished file goes (or went).
        file_id, display_name, thumbnail_url: as given to
            :meth:`Session.add`; None when not given.
        metadata: the opaque bytes given to :meth:`Session.add`.
        status: the task's :class:`TaskStatus`.
        bytes_written: bytes on disk so far.
        bytes_expected: the total size, None while unknown.
        speed: smoothed download speed in bytes per second (0 unless
            downloading).
        eta: seconds left at the current speed, None when unknown.
        resumability: whether a pause can continue where it stopped.
        priority, allow_cellular: the task's queue settings.
        error_code, error_message, http_status: the last error (0, "", 0
            when none); see :attr:`error`.
        retries: retries spent on the current attempt.
        sha256: the SHA-256 of the finished file (hex), None until finished.
        request_url: the URL requests go to when it is not url (one given
            with :meth:`Task.set_url`, or a mirror in use); None otherwise.
        group: the task's group, None when it is in none.
        connections: the connections it is receiving over now (0 unless
            downloading; more than one for a segmented download).
        max_connections: the most it may use: its own ``connections``,
            else the session's.
    """

    key: str
    url: str
    final_url: str
    dest_path: Path
    file_id: Optional[str]
    display_name: Optional[str]
    thumbnail_url: Optional[str]
    metadata: bytes
    status: TaskStatus
    bytes_written: int
    bytes_expected: Optional[int]
    speed: int
    eta: Optional[int]
    resumability: Resumability
    priority: int
    allow_cellular: bool
    error_code: int
    error_message: str
    http_status: int
    retries: int
    sha256: Optional[str]
    request_url: Optional[str]
    group: Optional[str]
    connections: int
    max_connections: int

    @property
    def error(self) -> Optional[DownloadError]:
        """The last error as the exception :meth:`Task.wait` would raise,
        or None."""
        if not self.error_code:
            return None
        return download_error_for(self.error_code, self.error_message, self.http_status,
                                  self.key)

    @classmethod
    def _from_c(cls, info: Any) -> "TaskInfo":
        def optional(pointer: Any) -> Optional[str]:
            return convert.c_text(pointer) or None

        return cls(
            key=convert.c_text(info.key),
            url=convert.c_text(info.url),
            final_url=convert.c_text(info.final_url),
            dest_path=Path(convert.c_path(info.dest_path)),
            file_id=optional(info.file_id),
            display_name=optional(info.display_name),
            thumbnail_url=optional(info.thumbnail_url),
            metadata=ffi.unpack(ffi.cast("char *", info.user_data), info.user_data_len)
            if info.user_data_len else b"",
            status=TaskStatus(info.status),
            bytes_written=info.bytes_written,
            bytes_expected=None if info.bytes_expected < 0 else info.bytes_expected,
            speed=info.speed_bps,
            eta=None if info.eta_seconds < 0 else info.eta_seconds,
            resumability=_RESUMABILITY.get(info.resumable, Resumability.UNKNOWN),
            priority=info.priority,
            allow_cellular=bool(info.allow_cellular),
            error_code=info.error_code,
            error_message=convert.c_text(info.error_message),
            http_status=info.http_status,
            retries=info.retries,
            sha256=optional(info.sha256_hex),
            request_url=optional(info.request_url),
            group=optional(info.group),
            connections=info.connections,
            max_connections=info.max_connections,
        )


class Task:
    """One download of a :class:`Session`, named by its key.

    A Task is a light handle: it holds the session and the key, and every
    method asks the core. Tasks of the same session with the same key are
    equal. Methods raise :class:`ycdl.TaskNotFoundError` once the task has
    been removed and :class:`ycdl.SessionClosedError` once the session is
    closed.
    """

    __slots__ = ("_session", "_key")

    def __init__(self, session: "Session", key: str) -> None:
        self._session = session
        self._key = key

    @property
    def key(self) -> str:
        """The task's key: its file id, else the MD5 of its original URL.
        Stable across processes."""
        return self._key

    @property
    def session(self) -> "Session":
        return self._session

    def __repr__(self) -> str:
        return "<ycdl.Task %s of %r>" % (self._key, self._session.identifier)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Task):
            return NotImplemented
        return self._session is other._session and self._key == other._key

    def __hash__(self) -> int:
        return hash((id(self._session), self._key))

    # ------------------------------------------------------------- state

    def info(self) -> TaskInfo:
        """A snapshot of the task: status, bytes, errors, metadata."""
        out = ffi.new("ycdl_task_info **")
        with self._session._core.calling() as handle:
            check(lib.ycdl_task_get_info(out, handle, self._c_key()), self._key)
        try:
            return TaskInfo._from_c(out[0])
        finally:
            lib.ycdl_task_info_free(out[0])

    @property
    def status(self) -> TaskStatus:
        """The task's current status (a shortcut for ``info().status``)."""
        return self.info().status

    def _c_key(self) -> bytes:
        return self._key.encode("utf-8")

    def _call(self, function: Any, *args: Any) -> None:
        self._session._core.call(function, self._c_key(), *args, key=self._key)

    # ----------------------------------------------------------- control

    def pause(self) -> None:
        """Stops a waiting or running download, keeping its data for a
        resume. Pausing a paused task does nothing; a finished or failed one
        raises :class:`ycdl.InvalidStateError`."""
        self._call(lib.ycdl_task_pause)

    def resume(self) -> None:
        """Queues a paused or failed task again. It continues from its data
        when the server allows it, else restarts from zero (and says so with
        a ``restarted`` event). A waiting or running task is left alone."""
        self._call(lib.ycdl_task_resume)

    start = resume

    def cancel(self, delete_data: bool = False) -> None:
        """Stops the task and marks it failed with
        :class:`ycdl.DownloadCanceledError`. With delete_data the partial
        data is deleted, so a later :meth:`resume` starts from zero."""
        flags = lib.YCDL_CANCEL_DELETE_DATA if convert.flag(delete_data, "delete_data") else 0
        self._call(lib.ycdl_task_cancel, flags)

    def remove(self, delete_file: bool = False) -> None:
        """Stops the task, deletes its partial data and forgets it. The
        finished file is deleted too only with delete_file."""
        flags = lib.YCDL_REMOVE_DELETE_FILE if convert.flag(delete_file, "delete_file") else 0
        self._call(lib.ycdl_task_remove, flags)

    def set_priority(self, priority: int) -> None:
        """Higher priorities start first; a waiting task takes its new place
        in line at once."""
        self._call(lib.ycdl_task_set_priority,
                   convert.integer(priority, "priority", convert.INT_MIN, convert.INT_MAX))

    def set_allow_cellular(self, allow: bool) -> None:
        """Whether this task may download on a cellular network; applies at
        once (a running task on cellular moves to waiting-for-network)."""
        self._call(lib.ycdl_task_set_allow_cellular, convert.flag(allow, "allow"))

    def set_headers(self, headers: Any) -> None:
        """Replaces the extra request headers ({name: value} or
        ["Name: value", ...]); used from the next request on. Needed again
        after a restart for Authorization and Cookie headers, which are never
        written to disk."""
        lines = convert.header_lines(headers)
        keep = convert.Keeper()
        self._call(lib.ycdl_task_set_headers, keep.string_array(lines), len(lines))

    def set_url(self, url: Optional[str]) -> None:
        """Gives the task a new URL to request (a refreshed signed link, say);
        its key and original URL stay. A task waiting for a URL (or failed)
        is queued again, a running one continues from the new URL; the
        partial data is kept when the server says it is the same file, else
        the download restarts (a ``restarted`` event). None, or the original
        URL, goes back to the original."""
        self._call(lib.ycdl_task_set_url, ffi.NULL if url is None else convert.text(url, "url"))

    def set_group(self, group: Optional[str]) -> None:
        """Puts the task in group (1 to 200 bytes, no control characters),
        or in none with None; persisted with the task. See :class:`Group`."""
        name = ffi.NULL if group is None else convert.text(group, "group")
        self._call(lib.ycdl_task_set_group, name)

    @property
    def group(self) -> Optional["Group"]:
        """The task's :class:`Group`, None when it is in none (a shortcut
        for ``session.group(info().group)``)."""
        name = self.info().group
        return None if name is None else self._session.group(name)

    # ----------------------------------------------------------- waiting

    def wait(self, timeout: Optional[float] = None) -> Path:
        """Blocks until the download ends and returns the finished file's path.

        Raises a :class:`ycdl.DownloadError` subclass (with the core's
        ``code``, ``message`` and ``http_status``) when the task failed or
        was cancelled, :class:`ycdl.TaskNotFoundError` when it was removed,
        and :class:`TimeoutError` when timeout seconds passed first. A paused
        task is waited for until someone resumes it (or the timeout).

        Safe to call from any thread, also while other threads iterate over
        the session's events: each sees every event.
        """
        core = self._session._core
        with core.following(Outcome(self._key)) as outcome:
            settled = self._settled_from_info()
            if settled is not None:
                return settled
            self._session._require_events("waiting")
            event = core.wait_outcome(outcome, timeout)
        if event is None:
            raise TimeoutError("task %s did not finish within %s s" % (self._key, timeout))
        return self._result_of(event)

    async def wait_async(self, timeout: Optional[float] = None) -> Path:
        """:meth:`wait` for asyncio: ``path = await task.wait_async()``.

        The running loop watches the session's event fd (add_reader) while
        it waits; nothing blocks the loop.
        """
        core = self._session._core
        with core.following(AsyncOutcome(self._key, asyncio.get_running_loop())) as outcome:
            settled = self._settled_from_info()
            if settled is not None:
                return settled
            self._session._require_events("waiting")
            event = await core.wait_outcome_async(outcome, timeout, self._session)
        if event is None:
            raise TimeoutError("task %s did not finish within %s s" % (self._key, timeout))
        return self._result_of(event)

    def _settled_from_info(self) -> Optional[Path]:
        """The result when the task has ended already (also in an earlier
        process, where no event of it will come any more). Asked once the
        wait listens: a run ending later reaches the listener, and a task
        removed before raises TaskNotFoundError here; no event of it is kept
        for late waiters."""
        info = self.info()
        if info.status is TaskStatus.FINISHED:
            return info.dest_path
        if info.status is TaskStatus.FAILED:
            raise download_error_for(info.error_code, info.error_message, info.http_status,
                                     self._key)
        return None

    def _result_of(self, event: Event) -> Path:
        if isinstance(event.data, ycdl_pb2.Finished):
            return Path(event.data.path)
        if isinstance(event.data, ycdl_pb2.Failed):
            raise download_error_for(event.data.error_code, event.data.message,
                                     event.data.http_status, self._key)
        raise TaskNotFoundError("task %s was removed" % self._key, key=self._key)
