"""_group.py - the tasks of one group as a whole (Group) and its figures
(GroupInfo)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Union

from . import _convert as convert, ycdl_pb2
from ._core import AsyncGroupOutcome, GroupOutcome
from ._events import Event
from ._native import ffi, lib
from ._types import TaskStatus
from .errors import GroupNotFoundError, SessionClosedError, raise_error

if TYPE_CHECKING:
    from ._session import Session
    from ._task import Task

StatusFilter = Union[TaskStatus, str, Iterable[Union[TaskStatus, str]]]


@dataclass(frozen=True)
class GroupInfo:
    """The figures of one group, as :meth:`Group.info` and the
    ``group_progress`` and ``group_finished`` events give them.

    Attributes:
        name: the group's name.
        tasks: how many tasks the group has.
        waiting, downloading, paused, waiting_for_network, finished, failed,
            waiting_for_url: how many of them are in each status.
        bytes_written_known: bytes written by the tasks whose size is known.
        bytes_expected: the sum of those sizes.
        bytes_written_unknown: bytes written by the tasks whose size is not
            known yet. A bar drawn from ``bytes_written_known /
            bytes_expected`` never jumps back when a size becomes known.
        speed: the group's download speed in bytes per second.
        eta: seconds left at that speed, None when it cannot be told.
    """

    name: str
    tasks: int
    waiting: int
    downloading: int
    paused: int
    waiting_for_network: int
    finished: int
    failed: int
    waiting_for_url: int
    bytes_written_known: int
    bytes_expected: int
    bytes_written_unknown: int
    speed: int
    eta: Optional[int]

    @property
    def pending(self) -> int:
        """Tasks waiting, downloading or waiting for a network: the group
        has finished (in the sense of ``group_finished``) when none is."""
        return self.waiting + self.downloading + self.waiting_for_network

    @classmethod
    def _from_c(cls, info: Any) -> "GroupInfo":
        return cls(
            name=convert.c_text(info.name), tasks=info.tasks, waiting=info.waiting,
            downloading=info.downloading, paused=info.paused,
            waiting_for_network=info.waiting_for_network, finished=info.finished,
            failed=info.failed, waiting_for_url=info.waiting_for_url,
            bytes_written_known=info.bytes_written_known, bytes_expected=info.bytes_expected,
            bytes_written_unknown=info.bytes_written_unknown, speed=info.speed_bps,
            eta=None if info.eta_seconds < 0 else info.eta_seconds)

    @classmethod
    def from_event(cls, event: Event) -> "GroupInfo":
        """The figures a ``group_progress`` or ``group_finished`` event
        carries (``event.data``, a ``ycdl_pb2.GroupFigures``)."""
        m = event.data
        if not isinstance(m, ycdl_pb2.GroupFigures):
            raise ValueError("a %s event carries no group figures" % event.kind)
        return cls(
            name=m.group, tasks=m.tasks, waiting=m.waiting, downloading=m.downloading,
            paused=m.paused, waiting_for_network=m.waiting_for_network, finished=m.finished,
            failed=m.failed, waiting_for_url=m.waiting_for_url,
            bytes_written_known=m.bytes_written_known, bytes_expected=m.bytes_expected,
            bytes_written_unknown=m.bytes_written_unknown, speed=m.speed_bps,
            eta=None if m.eta_seconds < 0 else m.eta_seconds)


class Group:
    """The tasks of a :class:`Session` that carry one group name (an album,
    a season), as a whole; from :meth:`Session.group`.

    A Group is a light handle, like :class:`Task`: it holds the session and
    the name, and every method asks the core. A group exists while a task
    has it (``Session.add(..., group=)``, :meth:`Task.set_group`); calls on
    a group no task has raise :class:`ycdl.GroupNotFoundError`. Each control
    acts on every task of the group in one turn of the session's loop, so
    no task of it starts in between; tasks it does not apply to (pausing a
    finished one) are left alone.
    """

    __slots__ = ("_session", "_name")

    def __init__(self, session: "Session", name: str) -> None:
        self._session = session
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def session(self) -> "Session":
        return self._session

    def __repr__(self) -> str:
        return "<ycdl.Group %r of %r>" % (self._name, self._session.identifier)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Group):
            return NotImplemented
        return self._session is other._session and self._name == other._name

    def __hash__(self) -> int:
        return hash((id(self._session), self._name))

    def _c_name(self) -> bytes:
        return convert.text(self._name, "group")

    def _call(self, function: Any, *args: Any) -> None:
        with self._session._core.calling() as handle:
            _check(function(handle, self._c_name(), *args))

    # ------------------------------------------------------------- state

    def info(self) -> GroupInfo:
        """The group's figures now: counts by status, bytes, speed."""
        out = ffi.new("ycdl_group_info **")
        with self._session._core.calling() as handle:
            _check(lib.ycdl_group_get_info(out, handle, self._c_name()))
        try:
            return GroupInfo._from_c(out[0])
        finally:
            lib.ycdl_free(out[0])

    def tasks(self, status: Optional[StatusFilter] = None) -> List["Task"]:
        """The group's tasks in the order they were added, optionally only
        those in status: a :class:`TaskStatus`, its name, or several."""
        from ._session import _status_mask
        from ._task import Task
        out_keys = ffi.new("char ***")
        out_count = ffi.new("size_t *")
        with self._session._core.calling() as handle:
            _check(lib.ycdl_group_list_tasks(out_keys, out_count, handle, self._c_name(),
                                             _status_mask(status)))
        try:
            keys = [convert.c_text(out_keys[0][i]) for i in range(out_count[0])]
        finally:
            lib.ycdl_keys_free(out_keys[0], out_count[0])
        return [Task(self._session, key) for key in keys]

    # ----------------------------------------------------------- control

    def start(self) -> None:
        """Queues every paused or failed task of the group (see
        :meth:`Task.resume`)."""
        self._call(lib.ycdl_group_start)

    resume = start

    def pause(self) -> None:
        """Stops every waiting or running task of the group, keeping their
        data; done when the call returns."""
        self._call(lib.ycdl_group_pause)

    def cancel(self, delete_data: bool = False) -> None:
        """Cancels every task of the group that is not finished (see
        :meth:`Task.cancel`)."""
        flags = lib.YCDL_CANCEL_DELETE_DATA if convert.flag(delete_data, "delete_data") else 0
        self._call(lib.ycdl_group_cancel, flags)

    def remove(self, delete_file: bool = False) -> None:
        """Removes every task of the group (see :meth:`Task.remove`); the
        group goes with them."""
        flags = lib.YCDL_REMOVE_DELETE_FILE if convert.flag(delete_file, "delete_file") else 0
        self._call(lib.ycdl_group_remove, flags)

    def set_priority(self, priority: int) -> None:
        """Gives every task of the group this priority."""
        self._call(lib.ycdl_group_set_priority,
                   convert.integer(priority, "priority", convert.INT_MIN, convert.INT_MAX))

    def set_allow_cellular(self, allow: bool) -> None:
        """Whether the group's tasks may download on a cellular network."""
        self._call(lib.ycdl_group_set_allow_cellular, convert.flag(allow, "allow"))

    # ----------------------------------------------------------- waiting

    def wait(self, timeout: Optional[float] = None) -> GroupInfo:
        """Blocks until nothing of the group is pending and returns its
        figures as the ``group_finished`` event gives them.

        Paused and failed tasks are not pending (the rule of
        ``all_finished``): a group whose tasks are all paused, finished or
        failed is done, and one that is already done answers at once with
        its figures now. Raises :class:`ycdl.GroupNotFoundError` when no
        task has the group (also when its tasks are removed during the
        wait) and :class:`TimeoutError` when timeout seconds passed first.
        Safe on any thread, beside event iterators and other waits.
        """
        core = self._session._core
        with core.following(GroupOutcome(self._name)) as outcome:
            settled = self._settled_from_info()
            if settled is not None:
                return settled
            self._session._require_events("waiting")

            def ready() -> bool:
                return outcome.event is not None or self._gone(outcome)

            if not core.wait_for(ready, timeout):
                raise TimeoutError("group %r did not finish within %s s" % (self._name, timeout))
        return self._result_of(outcome)

    async def wait_async(self, timeout: Optional[float] = None) -> GroupInfo:
        """:meth:`wait` for asyncio: ``figures = await group.wait_async()``.

        The running loop watches the session's event fd while it waits;
        nothing blocks the loop.
        """
        core = self._session._core
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        with core.following(AsyncGroupOutcome(self._name, loop)) as outcome:
            settled = self._settled_from_info()
            if settled is not None:
                return settled
            self._session._require_events("waiting")
            core.watch(loop, self._session)
            try:
                while True:
                    core.drain()    # what is pending before the fd is seen
                    if outcome.event is not None or self._gone(outcome):
                        break
                    if outcome.ended:
                        raise SessionClosedError("the session is closed")
                    remaining = None if deadline is None else deadline - loop.time()
                    if (remaining is not None and remaining <= 0) or \
                            not await outcome.wait(remaining):
                        raise TimeoutError("group %r did not finish within %s s"
                                           % (self._name, timeout))
            finally:
                core.unwatch(loop)
        return self._result_of(outcome)

    def _settled_from_info(self) -> Optional[GroupInfo]:
        """The figures when nothing of the group is pending now (asked once
        the wait listens, so a finish later reaches the listener)."""
        info = self.info()
        return info if info.pending == 0 else None

    def _gone(self, outcome: GroupOutcome) -> bool:
        """After a task was removed: whether the group went with it."""
        if outcome.gone or not outcome.removals:
            return outcome.gone
        outcome.removals = 0
        out = ffi.new("ycdl_group_info **")
        with self._session._core.calling() as handle:
            rc = lib.ycdl_group_get_info(out, handle, self._c_name())
        if rc == lib.YCDL_E_NOT_FOUND:
            outcome.gone = True
        elif rc == 0:
            lib.ycdl_free(out[0])
        else:
            _check(rc)
        return outcome.gone

    def _result_of(self, outcome: GroupOutcome) -> GroupInfo:
        if outcome.event is not None:
            return GroupInfo.from_event(outcome.event)
        raise GroupNotFoundError("the tasks of group %r were removed" % self._name)


def _check(rc: int) -> None:
    """check() with GroupNotFoundError for YCDL_E_NOT_FOUND."""
    if rc == lib.YCDL_E_NOT_FOUND:
        message = ffi.string(lib.ycdl_last_error_message()).decode("utf-8", "replace")
        raise GroupNotFoundError(message)
    if rc:
        raise_error(rc)

