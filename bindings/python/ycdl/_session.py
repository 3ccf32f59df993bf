"""_session.py - Session: the Python face of a libycdl session."""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _convert as convert
from ._convert import Keeper, StrPath
from ._core import Core
from ._provider import UrlProvider, UrlProviderListener
from ._events import decode_event
from ._native import ffi, lib
from ._streams import AsyncEventIterator, EventIterator
from ._group import Group
from ._task import Task, TaskInfo
from ._types import Conflict, Network, OpenMode, Role, TaskStatus, enum_or_none
from .errors import (HostProgramNotFoundError, InvalidArgumentError, InvalidStateError,
                     OwnerNotFoundError, TaskNotFoundError, check, error_for)

Headers = Union[Mapping[str, str], Iterable[str]]
StatusFilter = Union[TaskStatus, str, Iterable[Union[TaskStatus, str]]]

# Session options given in seconds in Python, milliseconds in C.
_MILLISECOND_OPTIONS = {
    "progress_interval": "progress_interval_ms",
    "checkpoint_interval": "checkpoint_interval_ms",
    "retry_base_delay": "retry_base_ms",
    "retry_max_delay": "retry_max_ms",
    "connect_timeout": "connect_timeout_ms",
}
# ...in whole seconds in C.
_SECOND_OPTIONS = {
    "max_retry_after": "max_retry_after_s",
    "low_speed_time": "low_speed_time_s",
}
_UINT_OPTIONS = ("max_concurrent", "max_retries", "max_redirects", "low_speed_limit",
                 "fetch_budget_factor", "connections")
_UINT64_OPTIONS = ("checkpoint_bytes", "max_recv_speed", "max_file_size", "fetch_budget_extra",
                   "segment_min_size")
_STRING_OPTIONS = ("pinned_public_key", "proxy", "user_agent")
_PATH_OPTIONS = ("state_dir", "download_dir", "ca_file")
_FLAG_OPTIONS = ("auto_resume", "allow_cellular", "verify_tls", "compute_sha256",
                 "takeover", "background", "receive_events", "preallocate")
_NEVER_NONE = _FLAG_OPTIONS + ("max_concurrent",)     # they have a real default
# Options given by a function of their own in _session_options.
_SPECIAL_OPTIONS = ("mode", "attach", "host_command", "url_refresh_statuses", "accept_types",
                    "disk_reserve", "max_host_connections")


@dataclass(frozen=True)
class SessionInfo:
    """The session as its owner sees it (:meth:`Session.info`).

    Attributes:
        role: what this handle is now (:class:`ycdl.Role`).
        owner_pid: the process that owns the session and runs its downloads
            (this one when role is OWNER).
        clients: handles attached to the owner (this one included when it
            is a client).
        tasks: the session's tasks.
        pending: those waiting, downloading or waiting for a network.
    """

    role: Role
    owner_pid: int
    clients: int
    tasks: int
    pending: int


class Session:
    """A download session: an identifier, the tasks it owns, and its events.

    Opening a session restores every task persisted under its identifier:
    downloads that were running in an earlier process (also one killed with
    SIGKILL) come back paused, or continue by themselves with
    ``auto_resume=True``.

    One process at a time owns an identifier and runs its downloads; other
    Session objects (in other processes, or here) may attach to it and work
    through this same API: their calls go to the owner, their events come
    from it (first an ``attached`` event with the tasks as they are), and
    closing them never stops the owner's downloads. By default a Session
    owns its identifier or raises :class:`ycdl.SessionLockedError`;
    ``attach=True`` only attaches (:class:`ycdl.OwnerNotFoundError` when
    nobody owns it), ``mode="own_or_attach"`` does whichever it can, and
    ``background=True`` starts a host process (``ycdl serve``) when nobody
    owns it, which keeps downloading after this process exits.
    :attr:`role` says which this handle is; when the owner goes away an
    attached handle takes the session over (``takeover``) and receives a
    ``role_changed`` event.

    Example::

        with ycdl.Session("com.example.app.downloads", download_dir="videos") as s:
            task = s.add("https://example.com/video.mp4", checksum="sha256:…")
            path = task.wait()              # or: await task.wait_async()

    Events (progress, status changes, redirects, retries, finished…) come
    from :meth:`events` (plain code, any thread) or :meth:`aevents`
    (asyncio); see :class:`ycdl.Event`.

    Closing the session (:meth:`close`, the end of a ``with`` block, or
    garbage collection) pauses running downloads, keeping their data, and
    writes every task's state to disk. Everything may be called from any
    thread.

    Args:
        identifier: letters, digits, ``.``, ``_`` and ``-``, at most 200,
            e.g. an application's bundle id plus a suffix.
        state_dir: root of the session state; the session lives in
            ``state_dir/identifier``. Default: ``$XDG_STATE_HOME/ycdl``, else
            ``~/.local/state/ycdl``.
        download_dir: where tasks added without a destination go; default:
            the current directory.
        max_concurrent: downloads running at once (1..1000); the rest wait in
            order of priority, then of addition.
        auto_resume: continue restored downloads instead of pausing them.
        allow_cellular: the session-wide cellular switch.
        progress_interval: seconds between progress events of a task.
        checkpoint_interval, checkpoint_bytes: how often a running task's
            state is made durable (seconds, bytes): what a crash can cost.
        max_retries: retries of transient failures per task.
        retry_base_delay, retry_max_delay: backoff bounds in seconds.
        max_retry_after: cap, in seconds, on a server's Retry-After.
        max_redirects: redirects followed per request.
        connect_timeout: seconds to connect.
        low_speed_limit, low_speed_time: a transfer slower than
            low_speed_limit bytes/s for low_speed_time seconds is retried
            (low_speed_time=0 disables).
        max_recv_speed: session-wide speed limit in bytes/s (0: none).
        max_file_size: refuse larger files, in bytes (0: no limit).
        ca_file: PEM bundle to verify servers with (default: the system's).
        pinned_public_key: curl's ``sha256//…`` pin, or a key file.
        proxy: proxy URL (default: the environment's).
        user_agent: default ``libycdl/<version>``.
        verify_tls: verify certificates; turn off for tests only.
        compute_sha256: hash every download with SHA-256 as it arrives, for
            finished events and :meth:`Task.info` (default True); False
            saves about a second of CPU per 2 GB, and a ``sha256:`` checksum
            is verified anyway.
        fetch_budget_factor, fetch_budget_extra: a task may fetch at most
            factor x its size + extra bytes (over every attempt) before it
            fails with :class:`ycdl.FetchLimitError`; factor 0 removes the
            bound (defaults 3 and 8 MiB).
        mode: what to do when another handle holds the identifier
            (:class:`ycdl.OpenMode` or its name): ``"own"`` (raise
            :class:`ycdl.SessionLockedError`), ``"attach"`` (attach only:
            :class:`ycdl.OwnerNotFoundError` when nobody owns it) or
            ``"own_or_attach"``. Default ``"own"``, or ``"own_or_attach"``
            with background.
        attach: the same as ``mode="attach"``.
        background: when nobody owns the session, start a host process
            that owns it (by default ``ycdl serve --session ID --state-dir
            DIR --exit-when-idle``, ``ycdl`` found on PATH or named by
            ``$YCDL_HOST_PROGRAM``; it exits once nothing is left to
            download and nobody is attached) and attach to it: downloads
            go on after this process exits. This handle is always a client.
            :class:`ycdl.HostProgramNotFoundError` when the host cannot be
            started. See docs/background.md.
        host_command: the host's whole command line (a list of str), in
            place of ``ycdl serve …``; it must own this session under the
            same state_dir.
        takeover: when the owner exits, crashes or is killed, an attached
            handle takes the session over (a ``role_changed`` event, then
            ``session_restored``; running downloads continue here). False:
            its calls then raise :class:`ycdl.SessionClosedError`.
        receive_events: False for a handle that only makes calls (a list,
            a pause); it gets no events at all, so :meth:`events` and
            :meth:`Task.wait` are refused.
        url_refresh_statuses: the HTTP statuses that mean "this URL no
            longer works" (an expired signed link): the task waits for a
            new URL instead of failing (default ``[401, 403, 410]``; ``[]``:
            none).
        accept_types: the Content-Types a task accepts when it names none
            of its own (see :meth:`add`); default: the core's guard.
        disk_reserve: bytes kept free on the download disk: a download
            whose remaining bytes do not fit with this much left over fails
            at once with :class:`ycdl.DiskFullError` (default: 1 % of the
            file system, at most 256 MiB; 0: none).
        preallocate: take a large download's room up front (16 MiB and
            more), so that a disk filling meanwhile is found early.
        max_host_connections: the most connections to one host at once,
            for every task together (0..1000; 0: no cap).
        connections: the connections a task is fetched over when
            :meth:`add` names none (1..32, :data:`ycdl.MAX_CONNECTIONS`;
            default 1).
        segment_min_size: the least bytes a segment of a download over
            several connections is cut to (at least 64 KiB; default 1 MiB):
            a file shorter than two of them uses one connection.
        url_provider: ``(task) -> str | None``, plain or ``async``: called
            once for every ``url_needed`` event (a task whose URL stopped
            working waits in ``waiting_for_url``) with that :class:`Task`;
            the binding then calls ``task.set_url()`` with its answer. None
            leaves the task waiting (for a later ``task.set_url()``); an
            exception, or a URL set_url refuses, is logged on the ``"ycdl"``
            logger and leaves it waiting too. It runs where the session's
            events are taken (this binding has no thread of its own): in
            an :meth:`events` iteration or a :meth:`Task.wait` on that
            thread (an ``async`` provider in a loop of its own there), or on
            the loop of an :meth:`aevents` iteration or a
            :meth:`Task.wait_async` as an asyncio task. Something must take
            events, then: a ``wait()`` of the task is enough.

    Options left at None take the core's defaults. The download settings
    are the owner's: an attached handle's own (max_concurrent…) do not
    change them, except its download_dir for what it adds.
    """

    def __init__(self, identifier: str, *,
                 state_dir: Optional[StrPath] = None,
                 download_dir: Optional[StrPath] = None,
                 max_concurrent: int = 3,
                 auto_resume: bool = False,
                 allow_cellular: bool = True,
                 progress_interval: Optional[float] = None,
                 checkpoint_interval: Optional[float] = None,
                 checkpoint_bytes: Optional[int] = None,
                 max_retries: Optional[int] = None,
                 retry_base_delay: Optional[float] = None,
                 retry_max_delay: Optional[float] = None,
                 max_retry_after: Optional[float] = None,
                 max_redirects: Optional[int] = None,
                 connect_timeout: Optional[float] = None,
                 low_speed_limit: Optional[int] = None,
                 low_speed_time: Optional[float] = None,
                 max_recv_speed: Optional[int] = None,
                 max_file_size: Optional[int] = None,
                 ca_file: Optional[StrPath] = None,
                 pinned_public_key: Optional[str] = None,
                 proxy: Optional[str] = None,
                 user_agent: Optional[str] = None,
                 verify_tls: bool = True,
                 compute_sha256: bool = True,
                 fetch_budget_factor: Optional[int] = None,
                 fetch_budget_extra: Optional[int] = None,
                 mode: Optional[Union[OpenMode, str]] = None,
                 attach: bool = False,
                 background: bool = False,
                 host_command: Optional[Sequence[StrPath]] = None,
                 takeover: bool = True,
                 receive_events: bool = True,
                 url_refresh_statuses: Optional[Iterable[int]] = None,
                 accept_types: Optional[Iterable[str]] = None,
                 disk_reserve: Optional[int] = None,
                 preallocate: bool = True,
                 max_host_connections: Optional[int] = None,
                 connections: Optional[int] = None,
                 segment_min_size: Optional[int] = None,
                 url_provider: Optional[UrlProvider] = None) -> None:
        options = dict(locals())
        del options["self"], options["identifier"], options["url_provider"]
        if url_provider is not None:
            if not callable(url_provider):
                raise TypeError("url_provider must be a function of a Task, not %s"
                                % type(url_provider).__name__)
            if not receive_events:
                raise InvalidArgumentError("url_provider needs events, and receive_events "
                                           "is False")
        name = convert.text(identifier, "identifier")
        keep = Keeper()
        opts = _session_options(options, keep)
        out = ffi.new("ycdl_session **")
        _check_open(lib.ycdl_session_open(out, name, opts), background)
        try:
            self._core = Core(out[0])
        except BaseException:
            lib.ycdl_session_close(out[0])
            raise
        self._core.decode = _decoder(weakref.ref(self))
        self._url_provider = url_provider
        if url_provider is not None:
            listener = UrlProviderListener(self)
            self._core.subscribe(listener)
            self._core.after_drain = listener
        self._identifier = identifier
        self._max_concurrent = int(opts.max_concurrent)
        self._allow_cellular = bool(opts.allow_cellular)
        self._max_recv_speed = int(opts.max_recv_speed)
        self._receive_events = receive_events
        self._network = Network.UNKNOWN
        # Closing on garbage collection and at interpreter exit; the
        # finalizer holds the core only, never the Session.
        self._finalizer = weakref.finalize(self, self._core.close)

    # ------------------------------------------------------------ life

    @property
    def identifier(self) -> str:
        return self._identifier

    @property
    def closed(self) -> bool:
        return self._core.closed

    def close(self) -> None:
        """Pauses running downloads (keeping their data), saves every task
        and releases the identifier. Open event iterators end; waiting
        :meth:`Task.wait` calls raise :class:`ycdl.SessionClosedError`.
        Calling it again does nothing."""
        self._finalizer.detach()
        self._core.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return "<ycdl.Session %r (%s)>" % (self._identifier, state)

    def fileno(self) -> int:
        """The session's event fd: readable while events are pending, for
        select/selectors; then take them with ``events(timeout=0)``. Owned by
        the session: never read from or close it."""
        self._core._check_open()
        return self._core.event_fd

    # --------------------------------------------------------- sharing

    @property
    def role(self) -> Role:
        """What this handle is now: :attr:`Role.OWNER` (it runs the
        downloads) or :attr:`Role.CLIENT` (attached to the owner's process).
        A client becomes the owner when it takes the session over; a
        ``role_changed`` event says when."""
        with self._core.calling() as handle:
            value = lib.ycdl_session_role(handle)
        if value < 0:
            check(value)
        return Role(value)

    def info(self) -> SessionInfo:
        """The session as its owner sees it: this handle's role, the
        owner's pid, the attached clients, the tasks and those pending."""
        out = ffi.new("ycdl_session_info **")
        with self._core.calling() as handle:
            check(lib.ycdl_session_get_info(out, handle))
        try:
            c = out[0]
            return SessionInfo(role=enum_or_none(Role, c.role) or Role.CLIENT,
                               owner_pid=int(c.owner_pid), clients=int(c.clients),
                               tasks=int(c.tasks), pending=int(c.pending))
        finally:
            lib.ycdl_free(out[0])

    def request_stop(self) -> None:
        """Asks the session's owner to close it (what ``ycdl stop`` does):
        the owner's handle gets a ``stop_requested`` event; a host (``ycdl
        serve``, or one started with background=True) closes on it, pausing
        its downloads with their data kept. From any handle."""
        self._core.call(lib.ycdl_session_request_stop)

    def _require_events(self, what: str) -> None:
        if not self._receive_events:
            raise InvalidStateError("%s needs events, and this Session was opened with "
                                    "receive_events=False" % what)

    # ----------------------------------------------------------- tasks

    def add(self, url: str, dest: Optional[StrPath] = None, *,
            file_id: Optional[str] = None,
            headers: Optional[Headers] = None,
            secret_headers: Optional[Headers] = None,
            checksum: Optional[str] = None,
            metadata: Optional[bytes] = None,
            display_name: Optional[str] = None,
            thumbnail_url: Optional[str] = None,
            priority: int = 0,
            allow_cellular: bool = True,
            expected_size: Optional[int] = None,
            max_recv_speed: Optional[int] = None,
            conflict: Union[Conflict, str] = Conflict.FAIL,
            use_content_disposition: bool = False,
            start_paused: bool = False,
            group: Optional[str] = None,
            mirrors: Optional[Iterable[str]] = None,
            accept_types: Optional[Iterable[str]] = None,
            min_size: Optional[int] = None,
            name_from_url: bool = False,
            connections: Optional[int] = None) -> Task:
        """Adds a download and queues it; returns its :class:`Task`.

        When the session already holds the URL, or the key, no task is
        created and the existing task is returned.

        Args:
            url: an http or https URL; it stays the task's identity even when
                the server redirects.
            dest: the finished file's path; an existing directory (or a path
                ending in a separator) puts the file inside it under its
                default name: file_id, else the MD5 of the URL, plus the URL
                path's extension. Default: the session's download_dir.
            file_id: a caller-chosen id; becomes the task's key.
            headers: extra request headers, ``{name: value}`` or
                ``["Name: value", ...]``. Authorization and Cookie are never
                written to disk (see :meth:`Task.set_headers`).
            secret_headers: more request headers that are secrets (an API
                token), in the same forms: like Authorization and Cookie they
                are sent only to the origin (scheme, host, port) of the URL,
                never after a redirect elsewhere, and never written to disk;
                after a restart the task waits for them
                (:meth:`Task.set_headers`, which keeps their names secret).
            checksum: ``"sha256:<hex>"`` or ``"md5:<hex>"``, verified before
                the file is placed.
            metadata: opaque bytes kept with the task (at most 1 MiB), back in
                :attr:`TaskInfo.metadata` after a restart.
            display_name, thumbnail_url: for the application's list of
                downloads.
            priority: higher starts first.
            allow_cellular: whether this task may use a cellular network.
            expected_size: the size in bytes, verified when known.
            max_recv_speed: this task's speed limit in bytes/s.
            conflict: when the destination exists: "fail", "overwrite" or
                "rename" (:class:`Conflict`).
            use_content_disposition: name the file as the server says.
            start_paused: add without queueing; :meth:`Task.resume` starts it.
            group: the task's group (an album, a season: 1 to 200 bytes
                without control characters), persisted with it; see
                :meth:`group`.
            mirrors: other URLs of the same file (at most 16), tried in
                order when the URL in use fails in a way its retries cannot
                fix; a ``url_changed`` event says which is in use.
            accept_types: the Content-Types a response may have to be saved
                (``"video/mp4"``, ``"video/*"``); another one is not the file:
                the task waits for a new URL (``url_needed``, status
                waiting_for_url). Default: the core's guard, which refuses an
                HTML page for a file not named as one.
            min_size: a response announcing fewer bytes is not the file
                either.
            name_from_url: name the file after the URL's last path segment,
                as wget and curl -O do, in dest (a directory) or the
                download_dir; the key stays file_id, else the MD5 of the URL.
            connections: the most connections the file is fetched over at
                once (1..32; None or 0: the session's ``connections``). A
                file whose size is known, at least two of the session's
                ``segment_min_size`` long, from a server that takes byte
                ranges and names it with a strong validator is cut into
                that many segments, each validated like a resume; a server
                that does not is fetched over one connection. The speed
                limit holds for the sum. :attr:`TaskInfo.connections` and
                the progress events' ``connections`` say how many receive
                now.
        """
        keep = Keeper()
        opts = _task_options(keep, url, dest, file_id=file_id, headers=headers,
                             secret_headers=secret_headers, checksum=checksum,
                             metadata=metadata, display_name=display_name,
                             thumbnail_url=thumbnail_url, priority=priority,
                             allow_cellular=allow_cellular, expected_size=expected_size,
                             max_recv_speed=max_recv_speed, conflict=conflict,
                             use_content_disposition=use_content_disposition,
                             start_paused=start_paused, group=group, mirrors=mirrors,
                             accept_types=accept_types, min_size=min_size,
                             name_from_url=name_from_url, connections=connections)
        out_key = ffi.new("char **")
        with self._core.calling() as handle:
            check(lib.ycdl_task_add(out_key, handle, opts))
        return Task(self, _take_string(out_key[0]))

    def add_many(self, items: Iterable[Union[str, Mapping[str, Any]]], *,
                 return_errors: bool = False) -> List[Any]:
        """Adds many downloads with one hand-over to the session and one
        journal write (a playlist, an import of thousands); returns their
        tasks in order.

        Each item is a URL, or a mapping of :meth:`add`'s arguments
        (``{"url": ..., "dest": ..., "group": "album"}``). Items are
        independent: one that fails leaves the others added. Then the first
        failure is raised (its message names the item), unless
        return_errors, in which case its :class:`ycdl.Error` stands in the
        returned list in place of its task (as ``asyncio.gather``'s
        ``return_exceptions``). Arguments of the wrong type raise before
        anything is added.
        """
        if isinstance(items, (str, bytes, Mapping)):
            raise TypeError("items must be an iterable of URLs or mappings of add() arguments, "
                            "not a single %s" % type(items).__name__)
        keep = Keeper()
        options = [_task_options(keep, *_item_arguments(item, index))
                   for index, item in enumerate(items)]
        count = len(options)
        if not count:
            return []
        array = ffi.new("ycdl_task_options *[]", options)
        out_keys = ffi.new("char ***")
        errors = ffi.new("int[]", count)
        with self._core.calling() as handle:
            rc = lib.ycdl_task_add_many(out_keys, errors, handle, array, count)
            message = ffi.string(lib.ycdl_last_error_message()).decode("utf-8", "replace")
            if out_keys[0] == ffi.NULL:
                check(rc)   # nothing was added (out of memory, a closing session)
        try:
            keys = [convert.c_text(out_keys[0][i]) if out_keys[0][i] != ffi.NULL else None
                    for i in range(count)]
        finally:
            lib.ycdl_keys_free(out_keys[0], count)
        results: List[Any] = []
        first = True
        for key, code in zip(keys, errors):
            if key is not None and not code:
                results.append(Task(self, key))
                continue
            code = code or rc
            text = message if first else str(ffi.string(lib.ycdl_strerror(code)).decode())
            first = False
            results.append(error_for(code, text))
        if rc and not return_errors:
            raise next(r for r in results if not isinstance(r, Task))
        return results

    def task(self, key: str) -> Task:
        """The task with this key; raises :class:`ycdl.TaskNotFoundError`
        when there is none."""
        convert.text(key, "key")
        task = Task(self, key)
        task.info()     # raises when unknown
        return task

    def find(self, url: str) -> Optional[Task]:
        """The task whose original URL is url, or None."""
        c_url = convert.text(url, "url")
        out_key = ffi.new("char **")
        with self._core.calling() as handle:
            rc = lib.ycdl_task_find_by_url(out_key, handle, c_url)
            if rc == lib.YCDL_E_NOT_FOUND:
                return None
            check(rc)
        return Task(self, _take_string(out_key[0]))

    def tasks(self, status: Optional[StatusFilter] = None) -> List[Task]:
        """The session's tasks in queue order, optionally only those in
        status: a :class:`TaskStatus`, its name ("paused"), or several."""
        mask = _status_mask(status)
        out_keys = ffi.new("char ***")
        out_count = ffi.new("size_t *")
        with self._core.calling() as handle:
            check(lib.ycdl_session_list(out_keys, out_count, handle, mask))
        try:
            keys = [convert.c_text(out_keys[0][i]) for i in range(out_count[0])]
        finally:
            lib.ycdl_keys_free(out_keys[0], out_count[0])
        return [Task(self, key) for key in keys]

    def task_infos(self, status: Optional[StatusFilter] = None) -> List[TaskInfo]:
        """The info of every task (or of those in status) in queue order,
        with one hand-over to the session: what a list of downloads shows
        after a restart, without a call per task."""
        mask = _status_mask(status)
        out_infos = ffi.new("ycdl_task_info ***")
        out_count = ffi.new("size_t *")
        with self._core.calling() as handle:
            check(lib.ycdl_session_list_info(out_infos, out_count, handle, mask))
        try:
            return [TaskInfo._from_c(out_infos[0][i]) for i in range(out_count[0])]
        finally:
            lib.ycdl_task_info_list_free(out_infos[0], out_count[0])

    # ---------------------------------------------------------- groups

    def group(self, name: str) -> Group:
        """The :class:`Group` of this name: its tasks as a whole. A light
        handle; a group no task has raises
        :class:`ycdl.GroupNotFoundError` from its calls."""
        convert.text(name, "group")
        return Group(self, name)

    def groups(self) -> List[Group]:
        """The session's groups (those some task has)."""
        out_names = ffi.new("char ***")
        out_count = ffi.new("size_t *")
        with self._core.calling() as handle:
            check(lib.ycdl_group_list(out_names, out_count, handle))
        try:
            names = [convert.c_text(out_names[0][i]) for i in range(out_count[0])]
        finally:
            lib.ycdl_keys_free(out_names[0], out_count[0])
        return [Group(self, name) for name in names]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self.task(key)
        except TaskNotFoundError:
            return False
        return True

    # -------------------------------------------------------- settings

    @property
    def max_concurrent(self) -> int:
        """Downloads running at once (1..1000); raising it starts waiting
        tasks at once."""
        return self._max_concurrent

    @max_concurrent.setter
    def max_concurrent(self, value: int) -> None:
        number = convert.integer(value, "max_concurrent", 0, convert.UINT_MAX)
        self._core.call(lib.ycdl_session_set_max_concurrent, number)
        self._max_concurrent = number

    @property
    def allow_cellular(self) -> bool:
        """The session-wide cellular switch; applies at once to every task."""
        return self._allow_cellular

    @allow_cellular.setter
    def allow_cellular(self, value: bool) -> None:
        allow = convert.flag(value, "allow_cellular")
        self._core.call(lib.ycdl_session_set_allow_cellular, allow)
        self._allow_cellular = bool(allow)

    @property
    def max_recv_speed(self) -> int:
        """Session-wide speed limit in bytes/s, shared by running tasks;
        0 for none."""
        return self._max_recv_speed

    @max_recv_speed.setter
    def max_recv_speed(self, value: int) -> None:
        speed = convert.integer(value, "max_recv_speed", 0, convert.UINT64_MAX)
        self._core.call(lib.ycdl_session_set_max_recv_speed, speed)
        self._max_recv_speed = speed

    @property
    def network(self) -> Network:
        """The network last given to :meth:`set_network`."""
        return self._network

    def set_network(self, network: Union[Network, str]) -> None:
        """Tells the session what network the host is on ("unmetered",
        "cellular", "offline", "unknown"). Tasks not allowed on it wait and
        continue by themselves when it changes; offline suspends every
        transfer without spending retries."""
        value = Network.coerce(network)
        self._core.call(lib.ycdl_session_set_network, int(value))
        self._network = value

    # ---------------------------------------------------------- events

    def events(self, timeout: Optional[float] = None) -> EventIterator:
        """Iterates over the session's events as they come::

            for event in session.events(timeout=30):
                if isinstance(event.data, ycdl_pb2.Progress):   # event.kind == "progress"
                    print(event.key, event.data.bytes_written)

        Events stay queued in the core until someone takes them: an
        iterator, or :meth:`Task.wait`. Each open iterator receives every
        event taken after it was created, whichever thread took it, so an
        iterator opened before the first wait sees the session's whole
        story from its first event (``session_restored``). Events taken
        while no iterator is open only settle waits; they are not kept.

        Iteration ends when timeout seconds pass without an event (None:
        never), when the session closes, or on ``close()``, which any thread
        may call: a read blocked in another thread returns at once.
        timeout=0 takes what is pending and ends. :meth:`EventIterator.get` waits for one
        event without ending. Any thread may iterate, also while others add
        tasks or wait for them. Close iterators you stop reading (or use
        them in a ``with`` block): an open one keeps every event.
        """
        self._require_events("events()")
        if timeout is not None:
            convert.milliseconds(timeout, "timeout", high=2**62)
        return EventIterator(self, self._core, timeout)

    def aevents(self, timeout: Optional[float] = None) -> AsyncEventIterator:
        """:meth:`events` for asyncio, to be called in a running loop::

            async for event in session.aevents():
                ...

        The loop watches the session's event fd with ``add_reader`` and takes
        events on its own thread; no library thread runs Python. ``close()``
        (from any thread) or ``aclose()`` (from any task) ends an iteration
        waiting for its next event.
        """
        self._require_events("aevents()")
        if timeout is not None:
            convert.milliseconds(timeout, "timeout", high=2**62)
        return AsyncEventIterator(self, self._core, timeout)


# ------------------------------------------------------------- helpers

def _decoder(session_ref: "weakref.ref[Session]") -> Any:
    return lambda raw: decode_event(raw, session_ref)


def _session_options(options: Dict[str, Any], keep: Keeper) -> Any:
    """A ycdl_session_options with the core's defaults and the given values."""
    opts = ffi.new("ycdl_session_options *")
    check(lib.ycdl_session_options_init(opts, lib.YCDL_SESSION_OPTIONS_VERSION))
    _set_sharing_options(opts, options, keep)
    for name, value in options.items():
        if name in _SPECIAL_OPTIONS:
            continue
        if value is None and name not in _NEVER_NONE:
            continue    # the core's default
        if name in _PATH_OPTIONS:
            setattr(opts, name, keep.string(convert.path(value, name)))
        elif name in _STRING_OPTIONS:
            setattr(opts, name, keep.string(convert.text(value, name)))
        elif name in _FLAG_OPTIONS:
            setattr(opts, name, convert.flag(value, name))
        elif name in _UINT_OPTIONS:
            setattr(opts, name, convert.integer(value, name, 0, convert.UINT_MAX))
        elif name in _UINT64_OPTIONS:
            setattr(opts, name, convert.integer(value, name, 0, convert.UINT64_MAX))
        elif name in _MILLISECOND_OPTIONS:
            setattr(opts, _MILLISECOND_OPTIONS[name], convert.milliseconds(value, name))
        else:
            setattr(opts, _SECOND_OPTIONS[name], convert.whole_seconds(value, name))
    return opts


def _open_mode(mode: Any, attach: Any, background: bool) -> OpenMode:
    """The open mode mode, attach and background ask for together."""
    if convert.flag(attach, "attach"):
        if mode is not None and OpenMode.coerce(mode) is not OpenMode.ATTACH:
            raise InvalidArgumentError("attach=True contradicts mode=%r" % (mode,))
        return OpenMode.ATTACH
    if mode is not None:
        return OpenMode.coerce(mode)
    # Before attaching reached this binding a Session always owned its
    # identifier (or raised SessionLockedError); that stays the default.
    return OpenMode.OWN_OR_ATTACH if background else OpenMode.OWN


def _set_sharing_options(opts: Any, options: Dict[str, Any], keep: Keeper) -> None:
    """The session options that are not one value each of a plain type."""
    opts.open_mode = int(_open_mode(options["mode"], options["attach"],
                                    bool(options["background"])))
    command = options["host_command"]
    if command is not None:
        if isinstance(command, (str, bytes)) or not isinstance(command, Sequence):
            raise TypeError("host_command must be a list of str (argv), not %s"
                            % type(command).__name__)
        opts.host_command = keep.argv([convert.path(arg, "host_command") for arg in command])
    statuses = options["url_refresh_statuses"]
    if statuses is not None:
        if isinstance(statuses, (str, bytes)):
            raise TypeError("url_refresh_statuses must be a list of int, not a single %s"
                            % type(statuses).__name__)
        codes = [convert.integer(code, "url_refresh_statuses", 100, 999) for code in statuses]
        opts.url_refresh_statuses = keep.string(",".join(map(str, codes)).encode())
    types = convert.text_list(options["accept_types"], "accept_types")
    if types:
        opts.accept_types = keep.string_array(types)
        opts.accept_type_count = len(types)
    if options["disk_reserve"] is not None:
        opts.disk_reserve = convert.integer(options["disk_reserve"], "disk_reserve", 0,
                                            convert.INT64_MAX)
    if options["max_host_connections"] is not None:
        opts.max_host_connections = convert.integer(options["max_host_connections"],
                                                    "max_host_connections", 0, 1000)


def _check_open(rc: int, background: bool) -> None:
    """check() for ycdl_session_open, whose YCDL_E_NOT_FOUND means no owner
    to attach to, or (background) no host program to start."""
    if rc == lib.YCDL_E_NOT_FOUND:
        message = ffi.string(lib.ycdl_last_error_message()).decode("utf-8", "replace")
        cls = HostProgramNotFoundError if background else OwnerNotFoundError
        raise cls(message, code=rc)
    check(rc)


_ADD_ARGUMENTS = frozenset((
    "url", "dest", "file_id", "headers", "secret_headers", "checksum", "metadata",
    "display_name", "thumbnail_url", "priority", "allow_cellular", "expected_size",
    "max_recv_speed", "conflict", "use_content_disposition", "start_paused", "group",
    "mirrors", "accept_types", "min_size", "name_from_url", "connections"))


def _item_arguments(item: Any, index: int) -> Any:
    """(url, dest, keyword arguments) of one add_many item."""
    if isinstance(item, str):
        return item, None
    if not isinstance(item, Mapping):
        raise TypeError("add_many item %d must be a URL or a mapping of add() arguments, "
                        "not %s" % (index, type(item).__name__))
    unknown = set(item) - _ADD_ARGUMENTS
    if unknown:
        raise TypeError("add_many item %d has no argument %s" % (index, sorted(unknown)[0]))
    if "url" not in item:
        raise TypeError("add_many item %d has no url" % index)
    arguments = dict(item)
    return arguments.pop("url"), arguments.pop("dest", None), arguments


def _task_options(keep: Keeper, url: str, dest: Optional[StrPath] = None,
                  arguments: Optional[Mapping[str, Any]] = None, **given: Any) -> Any:
    """A ycdl_task_options for add()'s arguments (defaults for those not
    given), its strings kept alive by keep."""
    a = dict(_ADD_DEFAULTS)
    a.update(arguments or {})
    a.update(given)
    opts = ffi.new("ycdl_task_options *")
    check(lib.ycdl_task_options_init(opts, lib.YCDL_TASK_OPTIONS_VERSION))
    opts.url = keep.string(convert.text(url, "url"))
    _set_destination(opts, dest, keep)
    opts.file_id = keep.string(convert.optional_text(a["file_id"], "file_id"))
    opts.display_name = keep.string(convert.optional_text(a["display_name"], "display_name"))
    opts.thumbnail_url = keep.string(convert.optional_text(a["thumbnail_url"], "thumbnail_url"))
    opts.checksum = keep.string(convert.optional_text(a["checksum"], "checksum"))
    if a["metadata"] is not None:
        data = convert.blob(a["metadata"], "metadata")
        opts.user_data = keep.buffer(data)
        opts.user_data_len = len(data)
    lines = convert.header_lines(a["headers"])
    opts.headers = keep.string_array(lines)
    opts.header_count = len(lines)
    secrets = convert.header_lines(a["secret_headers"])
    if secrets:
        opts.secret_headers = keep.string_array(secrets)
        opts.secret_header_count = len(secrets)
    opts.priority = convert.integer(a["priority"], "priority", convert.INT_MIN, convert.INT_MAX)
    opts.allow_cellular = convert.flag(a["allow_cellular"], "allow_cellular")
    if a["expected_size"] is not None:
        opts.expected_size = convert.integer(a["expected_size"], "expected_size", 0,
                                             convert.INT64_MAX)
    if a["max_recv_speed"] is not None:
        opts.max_recv_speed = convert.integer(a["max_recv_speed"], "max_recv_speed", 0,
                                              convert.UINT64_MAX)
    opts.conflict = Conflict.coerce(a["conflict"])
    opts.use_content_disposition = convert.flag(a["use_content_disposition"],
                                                "use_content_disposition")
    opts.start_paused = convert.flag(a["start_paused"], "start_paused")
    opts.group = keep.string(convert.optional_text(a["group"], "group"))
    mirrors = convert.text_list(a["mirrors"], "mirrors")
    opts.mirrors = keep.string_array(mirrors)
    opts.mirror_count = len(mirrors)
    types = convert.text_list(a["accept_types"], "accept_types")
    opts.accept_types = keep.string_array(types)
    opts.accept_type_count = len(types)
    if a["min_size"] is not None:
        opts.min_size = convert.integer(a["min_size"], "min_size", 0, convert.UINT64_MAX)
    opts.name_from_url = convert.flag(a["name_from_url"], "name_from_url")
    if a["connections"] is not None:
        # The core judges the range (0..YCDL_MAX_CONNECTIONS) and names it.
        opts.connections = convert.integer(a["connections"], "connections", 0, convert.UINT_MAX)
    return opts


_ADD_DEFAULTS: Dict[str, Any] = dict(
    file_id=None, headers=None, secret_headers=None, checksum=None, metadata=None,
    display_name=None, thumbnail_url=None, priority=0, allow_cellular=True,
    expected_size=None, max_recv_speed=None, conflict=Conflict.FAIL,
    use_content_disposition=False, start_paused=False, group=None, mirrors=None, accept_types=None, min_size=None,
    name_from_url=False, connections=None)


def _set_destination(opts: Any, dest: Optional[StrPath], keep: Keeper) -> None:
    if dest is None:
        return
    path = convert.path(dest, "dest")
    if path.endswith(os.fsencode(os.sep)) or os.path.isdir(path):
        opts.dest_dir = keep.string(path)
    else:
        opts.dest_path = keep.string(path)


def _take_string(pointer: Any) -> str:
    """A string the core handed over, freed with the core's ycdl_free."""
    try:
        return convert.c_text(pointer)
    finally:
        lib.ycdl_free(pointer)


def _status_mask(status: Optional[StatusFilter]) -> int:
    if status is None:
        return int(lib.YCDL_STATUS_ALL)
    if isinstance(status, (TaskStatus, str, int)):
        status = [status]
    mask = 0
    for item in status:
        mask |= 1 << int(TaskStatus.coerce(item))
    return mask
