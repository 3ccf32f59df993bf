"""_events.py - the events a session reports, decoded from the core's bytes.

Every event is one serialized ``ycdl.Event`` message (proto/ycdl.proto),
decoded with the module protoc generated from that file (ycdl_pb2, committed
with its typing stub ycdl_pb2.pyi). ``Event.data`` is typed as the union of
the kinds' messages (:data:`EventData`): ``isinstance(event.data,
ycdl_pb2.Progress)`` narrows it for a type checker, and the enum fields
come as enums through ``event.status``, ``event.error_code``…
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, Optional, Type, Union

from google.protobuf import text_format

from . import ycdl_pb2
from ._types import ErrorCode, Resumability, Role, TaskStatus, enum_or_none

if TYPE_CHECKING:
    from .errors import DownloadError
    from ._group import Group, GroupInfo
    from ._session import Session
    from ._task import Task


class EventKind(str, enum.Enum):
    """What an event reports; the value is the name of the ``kind`` field in
    ycdl.Event, so ``event.kind == "progress"`` works too."""

    TASK_ADDED = "task_added"
    STATUS_CHANGED = "status_changed"
    PROGRESS = "progress"
    RESUMED = "resumed"
    """The download continues at an offset (resume data was usable)."""
    REDIRECTED = "redirected"
    RESTARTED = "restarted"
    """The partial data could not be kept; the download starts from zero."""
    FINISHED = "finished"
    FAILED = "failed"
    REMOVED = "removed"
    ALL_FINISHED = "all_finished"
    """Nothing is pending any more in the session (session-wide)."""
    SESSION_RESTORED = "session_restored"
    """Always the first event of a session (session-wide)."""
    RESUMABILITY = "resumability"
    RETRYING = "retrying"
    ATTACHED = "attached"
    """First event of a handle attached to another process's session, with
    the tasks as they were (session-wide)."""
    ROLE_CHANGED = "role_changed"
    """This handle became the owner, re-attached, or lost its owner."""
    STOP_REQUESTED = "stop_requested"
    """A process asked the session's host to stop (session-wide)."""
    CLIENTS_CHANGED = "clients_changed"
    """The number of attached processes changed (session-wide)."""
    URL_NEEDED = "url_needed"
    """The task's URL no longer gives the file; it waits for a new one."""
    URL_CHANGED = "url_changed"
    """Requests go to another URL from now on."""
    GROUP_PROGRESS = "group_progress"
    """A group's figures changed (session-wide; ``data.group`` names it):
    coalesced like a task's progress, at once on a change of status."""
    GROUP_FINISHED = "group_finished"
    """Nothing of a group is pending any more (session-wide; ``data.group``
    names it); paused and failed tasks are not pending."""
    UNKNOWN = "unknown"
    """A kind added to the core after this binding was built."""

    def __str__(self) -> str:
        return self.value


#: What ``Event.data`` can be: the message of one kind of event (None for
#: :attr:`EventKind.UNKNOWN`).
EventData = Union[
    ycdl_pb2.TaskAdded, ycdl_pb2.StatusChanged, ycdl_pb2.Progress,
    ycdl_pb2.ResumedAtOffset, ycdl_pb2.Redirected, ycdl_pb2.Restarted,
    ycdl_pb2.Finished, ycdl_pb2.Failed, ycdl_pb2.Removed, ycdl_pb2.AllFinished,
    ycdl_pb2.SessionRestored, ycdl_pb2.ResumabilityKnown, ycdl_pb2.Retrying,
    ycdl_pb2.Attached, ycdl_pb2.RoleChanged, ycdl_pb2.StopRequested,
    ycdl_pb2.ClientsChanged, ycdl_pb2.UrlNeeded, ycdl_pb2.UrlChanged,
    ycdl_pb2.GroupFigures,
]

#: The message class of each kind's ``data``.
DATA_TYPES: Dict[EventKind, Type[EventData]] = {
    EventKind.TASK_ADDED: ycdl_pb2.TaskAdded,
    EventKind.STATUS_CHANGED: ycdl_pb2.StatusChanged,
    EventKind.PROGRESS: ycdl_pb2.Progress,
    EventKind.RESUMED: ycdl_pb2.ResumedAtOffset,
    EventKind.REDIRECTED: ycdl_pb2.Redirected,
    EventKind.RESTARTED: ycdl_pb2.Restarted,
    EventKind.FINISHED: ycdl_pb2.Finished,
    EventKind.FAILED: ycdl_pb2.Failed,
    EventKind.REMOVED: ycdl_pb2.Removed,
    EventKind.ALL_FINISHED: ycdl_pb2.AllFinished,
    EventKind.SESSION_RESTORED: ycdl_pb2.SessionRestored,
    EventKind.RESUMABILITY: ycdl_pb2.ResumabilityKnown,
    EventKind.RETRYING: ycdl_pb2.Retrying,
    EventKind.ATTACHED: ycdl_pb2.Attached,
    EventKind.ROLE_CHANGED: ycdl_pb2.RoleChanged,
    EventKind.STOP_REQUESTED: ycdl_pb2.StopRequested,
    EventKind.CLIENTS_CHANGED: ycdl_pb2.ClientsChanged,
    EventKind.URL_NEEDED: ycdl_pb2.UrlNeeded,
    EventKind.URL_CHANGED: ycdl_pb2.UrlChanged,
    EventKind.GROUP_PROGRESS: ycdl_pb2.GroupFigures,
    EventKind.GROUP_FINISHED: ycdl_pb2.GroupFigures,
}


@dataclass(frozen=True)
class Event:
    """One event of a session.

    Attributes:
        kind: what happened (:class:`EventKind`).
        key: the task's key; ``""`` for session-wide events.
        seq: the session's sequence number, strictly increasing from 1.
        timestamp: wall-clock time of the event, seconds since the epoch.
        data: the message for this kind (:data:`EventData`), e.g.
            ``ycdl_pb2.Progress`` with ``bytes_written``, ``bytes_expected``
            and ``speed_bps``; ycdl_pb2.pyi (or proto/ycdl.proto) has every
            field. ``isinstance(event.data, ycdl_pb2.Progress)`` narrows it.
        message: the whole decoded ``ycdl_pb2.Event``.

    Enum fields of ``data`` are ints in protobuf; :attr:`status`,
    :attr:`old_status`, :attr:`error_code`, :attr:`error`,
    :attr:`resumability` and :attr:`role` give them as enums.
    """

    kind: EventKind
    key: str
    seq: int
    timestamp: float
    data: Optional[EventData] = field(repr=False, compare=False)    # seq already tells events apart
    message: ycdl_pb2.Event = field(repr=False, compare=False)
    _session: Optional[Callable[[], Optional["Session"]]] = field(
        default=None, repr=False, compare=False)

    @property
    def task(self) -> Optional["Task"]:
        """The task this event is about, or None for session-wide events
        (and once the session object is gone)."""
        session = self._session() if self._session else None
        if not self.key or session is None:
            return None
        from ._task import Task
        return Task(session, self.key)

    @property
    def group(self) -> Optional["Group"]:
        """The group a ``group_progress`` or ``group_finished`` event is
        about, or None for the other kinds (and once the session object is
        gone)."""
        session = self._session() if self._session else None
        if not isinstance(self.data, ycdl_pb2.GroupFigures) or session is None:
            return None
        from ._group import Group
        return Group(session, self.data.group)

    @property
    def group_info(self) -> Optional["GroupInfo"]:
        """The figures a ``group_progress`` or ``group_finished`` event
        carries, as a :class:`ycdl.GroupInfo`; None for the other kinds."""
        if self.kind not in _GROUP_KINDS:
            return None
        from ._group import GroupInfo
        return GroupInfo.from_event(self)

    @property
    def status(self) -> Optional[TaskStatus]:
        """The task's status after a ``status_changed`` event (its
        ``new_status``) or where a ``task_added`` task starts; None for the
        other kinds."""
        if isinstance(self.data, ycdl_pb2.StatusChanged):
            return enum_or_none(TaskStatus, self.data.new_status)
        if isinstance(self.data, ycdl_pb2.TaskAdded):
            return enum_or_none(TaskStatus, self.data.status)
        return None

    @property
    def old_status(self) -> Optional[TaskStatus]:
        """The status a ``status_changed`` event left; None for the other
        kinds."""
        if isinstance(self.data, ycdl_pb2.StatusChanged):
            return enum_or_none(TaskStatus, self.data.old_status)
        return None

    @property
    def error_code(self) -> Optional[ErrorCode]:
        """The error of a ``failed``, ``retrying`` or ``url_needed`` event;
        None for the other kinds."""
        if isinstance(self.data, (ycdl_pb2.Failed, ycdl_pb2.Retrying, ycdl_pb2.UrlNeeded)):
            return enum_or_none(ErrorCode, self.data.error_code)
        return None

    @property
    def error(self) -> Optional["DownloadError"]:
        """The exception :meth:`ycdl.Task.wait` would raise for the error of
        a ``failed``, ``retrying`` or ``url_needed`` event (code, message,
        HTTP status, key); None for the other kinds."""
        if isinstance(self.data, (ycdl_pb2.Failed, ycdl_pb2.Retrying, ycdl_pb2.UrlNeeded)):
            from .errors import download_error_for
            return download_error_for(self.data.error_code, self.data.message,
                                      self.data.http_status, key=self.key or None)
        return None

    @property
    def resumability(self) -> Optional[Resumability]:
        """What a ``resumability`` event found; None for the other kinds."""
        if isinstance(self.data, ycdl_pb2.ResumabilityKnown):
            return enum_or_none(Resumability, self.data.resumability)
        return None

    @property
    def role(self) -> Optional[Role]:
        """The handle's new role after a ``role_changed`` event; None for the
        other kinds."""
        if isinstance(self.data, ycdl_pb2.RoleChanged):
            return enum_or_none(Role, self.data.role)
        return None

    @property
    def is_final(self) -> bool:
        """True for the events that end a task's run: finished, failed and
        removed."""
        return self.kind in _FINAL_KINDS

    def __str__(self) -> str:
        detail = ""
        if self.data is not None:
            detail = text_format.MessageToString(self.data, as_one_line=True)
        who = " " + self.key if self.key else ""
        return "#%d %s%s %s" % (self.seq, self.kind.value, who, detail)


_FINAL_KINDS = frozenset({EventKind.FINISHED, EventKind.FAILED, EventKind.REMOVED})
_GROUP_KINDS = frozenset({EventKind.GROUP_PROGRESS, EventKind.GROUP_FINISHED})


def decode_event(raw: bytes,
                 session_ref: Optional[Callable[[], Optional["Session"]]] = None) -> Event:
    """Decodes one serialized ycdl.Event; session_ref (a weak reference to
    the Session) lets :attr:`Event.task` find the task without keeping the
    session alive."""
    message = ycdl_pb2.Event.FromString(raw)
    name = message.WhichOneof("kind")
    try:
        kind = EventKind(name)
    except ValueError:
        kind = EventKind.UNKNOWN
    data: Optional[EventData] = (getattr(message, name)
                                 if name and kind is not EventKind.UNKNOWN else None)
    return Event(kind=kind, key=message.key, seq=message.seq,
                 timestamp=message.timestamp_ms / 1000.0, data=data, message=message,
                 _session=session_ref)
