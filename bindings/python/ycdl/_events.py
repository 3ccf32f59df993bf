"""_events.py - the events a session reports, decoded from the core's bytes.

Every event is one serialized ``ycdl.Event`` message (proto/ycdl.proto),
decoded with the module protoc generated from that file at build time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from google.protobuf import text_format

from . import ycdl_pb2

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class Event:
    """One event of a session.

    Attributes:
        kind: what happened (:class:`EventKind`).
        key: the task's key; ``""`` for session-wide events.
        seq: the session's sequence number, strictly increasing from 1.
        timestamp: wall-clock time of the event, seconds since the epoch.
        data: the message for this kind, e.g. ``ycdl_pb2.Progress`` with
            ``bytes_written``, ``bytes_expected`` and ``speed_bps``; see
            proto/ycdl.proto for every field.
        message: the whole decoded ``ycdl_pb2.Event``.
    """

    kind: EventKind
    key: str
    seq: int
    timestamp: float
    data: Any = field(repr=False, compare=False)    # seq already tells events apart
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
        if self.kind not in _GROUP_KINDS or session is None:
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
    data = getattr(message, name) if name else None
    return Event(kind=kind, key=message.key, seq=message.seq,
                 timestamp=message.timestamp_ms / 1000.0, data=data, message=message,
                 _session=session_ref)
