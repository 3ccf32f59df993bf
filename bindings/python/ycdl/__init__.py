"""ycdl - downloads that survive restarts, crashes and kill -9.

The Python binding of libycdl, a persistent, event-driven download manager
written in C. A :class:`Session` owns tasks; every task's state is on disk,
so a new process continues where the last one stopped, byte for byte::

    import ycdl

    with ycdl.Session("com.example.app.downloads", download_dir="videos") as session:
        task = session.add("https://example.com/video.mp4")
        for event in session.events(timeout=60):
            if isinstance(event.data, ycdl.ycdl_pb2.Progress):   # event.kind == "progress"
                print(event.data.bytes_written, "of", event.data.bytes_expected)
            if event.kind == "all_finished":
                break
        print(task.wait())          # the finished file, or a DownloadError

asyncio: ``async for event in session.aevents()`` and
``await task.wait_async()``. Groups of tasks (an album, a season):
``session.add(url, group="album")``, ``session.group("album").wait()``.
Shared sessions: ``Session(id, attach=True)`` attaches to the process that
owns the session, ``Session(id, background=True)`` starts a host that
downloads on after this process exits. Errors: :mod:`ycdl.errors`, every class also
here. Events are ``ycdl.Event`` messages decoded with :mod:`ycdl.ycdl_pb2`,
generated from the core's proto/ycdl.proto (typed by its stub
ycdl_pb2.pyi); statuses and error codes are the enums :class:`TaskStatus`
and :class:`ErrorCode`.
"""

from __future__ import annotations

from . import errors, ycdl_pb2
from ._events import Event, EventData, EventKind
from ._group import Group, GroupInfo
from ._native import ffi as _ffi
from ._native import lib as _lib
from ._session import Session, SessionInfo
from ._streams import AsyncEventIterator, EventIterator
from ._task import Task, TaskInfo
from ._types import Conflict, ErrorCode, Network, OpenMode, Resumability, Role, TaskStatus
from .errors import *  # noqa: F401,F403  (every exception class, as pygit2 does)
from .errors import __all__ as _error_names

# The public classes present themselves as ycdl.X (help(), repr, pickle).
for _public in (Session, SessionInfo, Task, TaskInfo, Group, GroupInfo, Event, EventKind,
                EventIterator, AsyncEventIterator, TaskStatus, Network, Conflict, OpenMode,
                Resumability, Role, ErrorCode):
    _public.__module__ = __name__
del _public

__version__: str = _ffi.string(_lib.ycdl_version()).decode()
"""The version of libycdl compiled into this package."""

MAX_CONNECTIONS: int = int(_lib.YCDL_MAX_CONNECTIONS)
"""The most connections one download may use (``Session.add(connections=)``)."""

__all__ = [
    "Session", "SessionInfo", "Task", "TaskInfo", "Group", "GroupInfo", "Event", "EventKind",
    "EventIterator", "AsyncEventIterator", "TaskStatus", "Network", "Conflict", "OpenMode",
    "Resumability", "Role", "ErrorCode", "EventData", "errors", "ycdl_pb2", "__version__",
    "MAX_CONNECTIONS",
    *[name for name in _error_names if name[0].isupper()],
]
