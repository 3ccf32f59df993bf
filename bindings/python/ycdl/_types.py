"""_types.py - the core's enumerations as Python enums.

Values come from the compiled header (and, for resumability, from the
generated protobuf module), so they can never drift from the C side.
"""

from __future__ import annotations

import enum
from typing import Type, TypeVar, Union

from . import ycdl_pb2
from ._native import ffi, lib


class TaskStatus(enum.IntEnum):
    """Where a task is in its life (ycdl_status)."""

    WAITING = lib.YCDL_STATUS_WAITING
    """Queued for a free slot."""
    DOWNLOADING = lib.YCDL_STATUS_DOWNLOADING
    PAUSED = lib.YCDL_STATUS_PAUSED
    """Stopped, with its data kept for a resume."""
    WAITING_FOR_NETWORK = lib.YCDL_STATUS_WAITING_FOR_NETWORK
    """Not allowed on the current network; continues by itself later."""
    FINISHED = lib.YCDL_STATUS_FINISHED
    FAILED = lib.YCDL_STATUS_FAILED
    WAITING_FOR_URL = lib.YCDL_STATUS_WAITING_FOR_URL
    """The URL no longer gives the file (expired, refused, an error page);
    the partial data is kept until a new URL is given."""

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The core's name for the status, e.g. ``"waiting-for-network"``."""
        return str(ffi.string(lib.ycdl_status_name(int(self))).decode())

    @classmethod
    def coerce(cls, value: Union["TaskStatus", str, int]) -> "TaskStatus":
        """A TaskStatus from itself, its name or label (any case), or its value."""
        return _coerce(cls, value)


class Network(enum.IntEnum):
    """The kind of network the host is on (ycdl_network)."""

    UNKNOWN = lib.YCDL_NETWORK_UNKNOWN
    """Treated as unmetered."""
    UNMETERED = lib.YCDL_NETWORK_UNMETERED
    """Wi-Fi, ethernet."""
    CELLULAR = lib.YCDL_NETWORK_CELLULAR
    """Metered: tasks that may not use cellular wait."""
    OFFLINE = lib.YCDL_NETWORK_OFFLINE
    """Every transfer is suspended without spending retries."""

    @classmethod
    def coerce(cls, value: Union["Network", str, int]) -> "Network":
        return _coerce(cls, value)


class Conflict(enum.IntEnum):
    """What happens when a finished download's destination exists."""

    FAIL = lib.YCDL_CONFLICT_FAIL
    """Fail with DestinationExistsError; the data is kept."""
    OVERWRITE = lib.YCDL_CONFLICT_OVERWRITE
    RENAME = lib.YCDL_CONFLICT_RENAME
    """Save as "name (1).ext", "name (2).ext"…"""

    @classmethod
    def coerce(cls, value: Union["Conflict", str, int]) -> "Conflict":
        return _coerce(cls, value)


class Resumability(enum.IntEnum):
    """Whether a paused download can continue where it stopped."""

    UNKNOWN = ycdl_pb2.RESUMABILITY_UNKNOWN
    """No response seen yet."""
    YES = ycdl_pb2.RESUMABILITY_YES
    """Byte ranges and a strong validator: a resume continues."""
    NO = ycdl_pb2.RESUMABILITY_NO
    """A resume restarts from zero."""


_E = TypeVar("_E", bound=enum.IntEnum)


def _coerce(cls: Type[_E], value: object) -> _E:
    """Accepts a member, its value, or its name ("cellular", "waiting-for-network")."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        name = value.strip().upper().replace("-", "_")
        if name in cls.__members__:
            return cls[name]
        raise _invalid("%r is not a %s; use one of: %s" % (
            value, cls.__name__, ", ".join(m.name.lower() for m in cls)))
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return cls(value)
        except ValueError:
            raise _invalid("%d is not a %s value" % (value, cls.__name__)) from None
    raise TypeError("expected a %s or its name, not %s" % (cls.__name__, type(value).__name__))


def _invalid(message: str) -> Exception:
    from .errors import InvalidArgumentError
    return InvalidArgumentError(message)
