"""_types.py - the core's enumerations as Python enums.

Values come from the compiled header (and, for resumability and roles, from
the generated protobuf module), so they can never drift from the C side.
The events' enum fields (``new_status``, ``resumability``, ``role``,
``error_code``) are plain ints in protobuf; :class:`ycdl.Event` hands them
out as these enums (``event.status``, ``event.error_code``…).
"""

from __future__ import annotations

import enum
from typing import Optional, Type, TypeVar, Union

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


class Role(enum.IntEnum):
    """What a session handle is (ycdl_role): ``role_changed`` events say
    when it changes."""

    OWNER = ycdl_pb2.ROLE_OWNER
    """Runs the downloads in this process."""
    CLIENT = ycdl_pb2.ROLE_CLIENT
    """Attached to the owner's process."""


class OpenMode(enum.IntEnum):
    """How :class:`ycdl.Session` treats a session another process (or
    another Session here) holds (ycdl_open_mode)."""

    OWN = lib.YCDL_OPEN_OWN
    """Own the session, or raise :class:`ycdl.SessionLockedError`."""
    ATTACH = lib.YCDL_OPEN_ATTACH
    """Attach to the process that owns it, or raise
    :class:`ycdl.OwnerNotFoundError`."""
    OWN_OR_ATTACH = lib.YCDL_OPEN_OWN_OR_ATTACH
    """Own it when it is free, else attach to its owner."""

    @classmethod
    def coerce(cls, value: Union["OpenMode", str, int]) -> "OpenMode":
        """An OpenMode from itself, its name (``"own-or-attach"``, any case)
        or its value."""
        return _coerce(cls, value)


class ErrorCode(enum.IntEnum):
    """The core's error codes (YCDL_E_*, negative), as ``Error.code`` and
    ``event.error_code`` carry them. Each has its exception class in
    :mod:`ycdl.errors` (``ycdl.errors.error_class(code)``)."""

    INVALID = lib.YCDL_E_INVALID
    NOMEM = lib.YCDL_E_NOMEM
    LOCKED = lib.YCDL_E_LOCKED
    NOT_FOUND = lib.YCDL_E_NOT_FOUND
    EXISTS = lib.YCDL_E_EXISTS
    STATE = lib.YCDL_E_STATE
    CLOSED = lib.YCDL_E_CLOSED
    AGAIN = lib.YCDL_E_AGAIN
    IO = lib.YCDL_E_IO
    DISK_FULL = lib.YCDL_E_DISK_FULL
    STORE = lib.YCDL_E_STORE
    NETWORK = lib.YCDL_E_NETWORK
    RESOLVE = lib.YCDL_E_RESOLVE
    TIMEOUT = lib.YCDL_E_TIMEOUT
    TLS = lib.YCDL_E_TLS
    HTTP = lib.YCDL_E_HTTP
    TOO_MANY_REDIRECTS = lib.YCDL_E_TOO_MANY_REDIRECTS
    PROTOCOL = lib.YCDL_E_PROTOCOL
    CHECKSUM = lib.YCDL_E_CHECKSUM
    SIZE_MISMATCH = lib.YCDL_E_SIZE_MISMATCH
    TOO_LARGE = lib.YCDL_E_TOO_LARGE
    CANCELED = lib.YCDL_E_CANCELED
    BAD_RESPONSE = lib.YCDL_E_BAD_RESPONSE
    UNSUPPORTED = lib.YCDL_E_UNSUPPORTED
    INTERNAL = lib.YCDL_E_INTERNAL
    FETCH_LIMIT = lib.YCDL_E_FETCH_LIMIT
    NOT_THE_FILE = lib.YCDL_E_NOT_THE_FILE
    URL_EXPIRED = lib.YCDL_E_URL_EXPIRED

    @property
    def symbol(self) -> str:
        """The C name, e.g. ``"YCDL_E_URL_EXPIRED"`` (Node's ``error.code``)."""
        return "YCDL_E_" + self.name

    @property
    def reason(self) -> str:
        """The core's short English text for the code (ycdl_strerror)."""
        return str(ffi.string(lib.ycdl_strerror(int(self))).decode())

    @classmethod
    def coerce(cls, value: Union["ErrorCode", str, int]) -> "ErrorCode":
        """An ErrorCode from itself, its name (``"http"``, ``"YCDL_E_HTTP"``)
        or its value."""
        if isinstance(value, str) and value.strip().upper().startswith("YCDL_E_"):
            value = value.strip()[len("YCDL_E_"):]
        return _coerce(cls, value)


_E = TypeVar("_E", bound=enum.IntEnum)


def enum_or_none(cls: Type[_E], value: int) -> Optional[_E]:
    """The member of cls for value; None for a value it does not have
    (protobuf's 0 for "unspecified", or a value newer than this binding)."""
    try:
        return cls(value)
    except ValueError:
        return None


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
