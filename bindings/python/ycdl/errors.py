"""errors.py - every libycdl error code as a precise Python exception.

The one place that maps the core's YCDL_E_* codes to classes (pygit2's
errors.py does the same for libgit2). Each class carries the code, the core's
detailed message and, for downloads, the HTTP status of the last response.

Two families:
  - errors of a call (a bad argument, a closed session, an unknown task)
    derive from :class:`Error` directly;
  - errors of a download (what :meth:`ycdl.Task.wait` raises when a task
    failed) derive from :class:`DownloadError`.
"""

from __future__ import annotations

from typing import Any, Dict, NoReturn, Optional, Tuple, Type

from ._native import ffi, lib
from ._types import ErrorCode, enum_or_none

__all__ = [
    "Error", "DownloadError", "InvalidArgumentError", "OutOfMemoryError",
    "SessionLockedError", "OwnerNotFoundError", "HostProgramNotFoundError",
    "TaskNotFoundError", "GroupNotFoundError", "DestinationExistsError",
    "InvalidStateError", "SessionClosedError", "WouldBlockError", "LocalIOError",
    "DiskFullError", "StoreError", "NetworkError", "ResolveError",
    "NetworkTimeoutError", "TLSError", "HTTPError", "TooManyRedirectsError",
    "ProtocolNotAllowedError", "ChecksumMismatchError", "SizeMismatchError",
    "FileTooLargeError", "DownloadCanceledError", "BadResponseError",
    "UnsupportedError", "InternalError", "FetchLimitError", "NotTheFileError",
    "URLExpiredError", "error_class", "error_for",
    "download_error_for",
]


class Error(Exception):
    """Base class of every error libycdl reports.

    Attributes:
        code: the core's YCDL_E_* value (a negative int).
        message: the core's detailed message for this occurrence.
        http_status: the HTTP status involved, 0 when none.
        key: the task the error is about, when there is one.
    """

    #: The YCDL_E_* value this class stands for (0 for the abstract bases):
    #: an :class:`ycdl.ErrorCode`, which compares equal to the int.
    code: int = 0

    def __init__(self, message: str, *, code: Optional[int] = None,
                 http_status: int = 0, key: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = enum_or_none(ErrorCode, code) or code
        self.http_status = http_status
        self.key = key

    @property
    def reason(self) -> str:
        """The core's short English text for the code (ycdl_strerror)."""
        return str(ffi.string(lib.ycdl_strerror(self.code)).decode())

    def __str__(self) -> str:
        text = self.message or self.reason
        if self.http_status:
            text += " (HTTP %d)" % self.http_status
        return text

    def __reduce__(self) -> Tuple[Any, ...]:  # keyword arguments survive pickling
        return (_rebuild, (type(self), self.message, self.code, self.http_status, self.key))


def _rebuild(cls: Type[Error], message: str, code: int, http_status: int,
             key: Optional[str]) -> Error:
    return cls(message, code=code, http_status=http_status, key=key)


class DownloadError(Error):
    """A download failed; raised by :meth:`ycdl.Task.wait` and friends."""


# ------------------------------------------------------------ call errors

class InvalidArgumentError(Error, ValueError):
    """An argument is missing or malformed (YCDL_E_INVALID)."""
    code = ErrorCode.INVALID


class OutOfMemoryError(Error, MemoryError):
    """The library ran out of memory (YCDL_E_NOMEM)."""
    code = ErrorCode.NOMEM


class SessionLockedError(Error):
    """Another process, or another open Session here, holds the identifier
    (YCDL_E_LOCKED)."""
    code = ErrorCode.LOCKED


class OwnerNotFoundError(Error, LookupError):
    """No process owns the session, so there is nothing to attach to
    (YCDL_E_NOT_FOUND, from ``Session(..., attach=True)``)."""

    code = ErrorCode.NOT_FOUND


class HostProgramNotFoundError(Error, LookupError):
    """``Session(..., background=True)`` found no owner and cannot start a
    host: its program (``ycdl`` on PATH, ``$YCDL_HOST_PROGRAM`` or the
    first item of ``host_command``) is not an executable (YCDL_E_NOT_FOUND;
    the message names it)."""

    code = ErrorCode.NOT_FOUND


class TaskNotFoundError(Error, KeyError):
    """No task with that key, or the task was removed (YCDL_E_NOT_FOUND)."""
    code = ErrorCode.NOT_FOUND


class GroupNotFoundError(TaskNotFoundError):
    """No task has that group, or its last task left it or was removed
    (YCDL_E_NOT_FOUND, from a call on a :class:`ycdl.Group`)."""
    code = ErrorCode.NOT_FOUND


class InvalidStateError(Error):
    """Not possible in the task's current status, e.g. pausing a finished
    task (YCDL_E_STATE)."""
    code = ErrorCode.STATE


class SessionClosedError(Error):
    """The session is closed or closing (YCDL_E_CLOSED)."""
    code = ErrorCode.CLOSED


class WouldBlockError(Error):
    """Nothing to hand over right now (YCDL_E_AGAIN); the binding handles it."""
    code = ErrorCode.AGAIN


class StoreError(Error):
    """The snapshot store failed (YCDL_E_STORE)."""
    code = ErrorCode.STORE


class UnsupportedError(Error):
    """Not available in this build (YCDL_E_UNSUPPORTED)."""
    code = ErrorCode.UNSUPPORTED


class InternalError(Error):
    """A bug in libycdl; please report it (YCDL_E_INTERNAL)."""
    code = ErrorCode.INTERNAL


# -------------------------------------------------------- download errors

class LocalIOError(DownloadError):
    """A local file or system call failed (YCDL_E_IO)."""
    code = ErrorCode.IO


class DiskFullError(LocalIOError):
    """No space left on the device (YCDL_E_DISK_FULL)."""
    code = ErrorCode.DISK_FULL


class DestinationExistsError(DownloadError):
    """The destination file already exists (YCDL_E_EXISTS); the downloaded
    data is kept."""
    code = ErrorCode.EXISTS


class NetworkError(DownloadError):
    """The connection failed, was reset or stalled (YCDL_E_NETWORK)."""
    code = ErrorCode.NETWORK


class ResolveError(NetworkError):
    """The host name could not be resolved (YCDL_E_RESOLVE)."""
    code = ErrorCode.RESOLVE


class NetworkTimeoutError(NetworkError):
    """A connect or low-speed timeout (YCDL_E_TIMEOUT)."""
    code = ErrorCode.TIMEOUT


class TLSError(NetworkError):
    """A certificate or TLS handshake failure (YCDL_E_TLS)."""
    code = ErrorCode.TLS


class HTTPError(DownloadError):
    """The server answered an error status; see ``http_status``
    (YCDL_E_HTTP)."""
    code = ErrorCode.HTTP


class TooManyRedirectsError(DownloadError):
    """More redirects than the session allows (YCDL_E_TOO_MANY_REDIRECTS)."""
    code = ErrorCode.TOO_MANY_REDIRECTS


class ProtocolNotAllowedError(DownloadError):
    """A URL, or a redirect, to a scheme other than http and https
    (YCDL_E_PROTOCOL)."""
    code = ErrorCode.PROTOCOL


class ChecksumMismatchError(DownloadError):
    """The content does not match the expected checksum (YCDL_E_CHECKSUM)."""
    code = ErrorCode.CHECKSUM


class SizeMismatchError(DownloadError):
    """The content length differs from the expected size
    (YCDL_E_SIZE_MISMATCH)."""
    code = ErrorCode.SIZE_MISMATCH


class FileTooLargeError(DownloadError):
    """The file is over the session's maximum size (YCDL_E_TOO_LARGE)."""
    code = ErrorCode.TOO_LARGE


class DownloadCanceledError(DownloadError):
    """The application cancelled the task (YCDL_E_CANCELED)."""
    code = ErrorCode.CANCELED


class BadResponseError(DownloadError):
    """The server's answer makes no sense, e.g. ranges that keep lying
    (YCDL_E_BAD_RESPONSE)."""
    code = ErrorCode.BAD_RESPONSE


class FetchLimitError(DownloadError):
    """The task fetched more than its budget (the session's
    fetch_budget_factor x its size + fetch_budget_extra): the server keeps
    sending data that does not complete the file (YCDL_E_FETCH_LIMIT)."""
    code = ErrorCode.FETCH_LIMIT


class NotTheFileError(DownloadError):
    """The response is not the file: an error page, a type the task does
    not accept, or fewer bytes than its minimum (YCDL_E_NOT_THE_FILE)."""
    code = ErrorCode.NOT_THE_FILE


class URLExpiredError(DownloadError):
    """The URL's signature says it has expired (YCDL_E_URL_EXPIRED)."""
    code = ErrorCode.URL_EXPIRED


_BY_CODE: Dict[int, Type[Error]] = {
    cls.code: cls for cls in (
        InvalidArgumentError, OutOfMemoryError, SessionLockedError, TaskNotFoundError,
        DestinationExistsError, InvalidStateError, SessionClosedError, WouldBlockError,
        LocalIOError, DiskFullError, StoreError, NetworkError, ResolveError,
        NetworkTimeoutError, TLSError, HTTPError, TooManyRedirectsError,
        ProtocolNotAllowedError, ChecksumMismatchError, SizeMismatchError,
        FileTooLargeError, DownloadCanceledError, BadResponseError, UnsupportedError,
        InternalError, FetchLimitError, NotTheFileError, URLExpiredError)
}


def error_class(code: int) -> Type[Error]:
    """The exception class for a YCDL_E_* code (Error for unknown codes)."""
    return _BY_CODE.get(code, Error)


def error_for(code: int, message: str = "", http_status: int = 0,
              key: Optional[str] = None) -> Error:
    """An exception instance for a YCDL_E_* code."""
    return error_class(code)(message, code=code, http_status=http_status, key=key)


def download_error_for(code: int, message: str = "", http_status: int = 0,
                       key: Optional[str] = None) -> DownloadError:
    """The exception for a failed download: always a DownloadError, so that
    ``except ycdl.DownloadError`` catches every failure; codes that are not
    download errors of their own (YCDL_E_INTERNAL, YCDL_E_STORE…) become a
    plain DownloadError that keeps the code."""
    cls = error_class(code)
    if not issubclass(cls, DownloadError):
        cls = DownloadError
    return cls(message, code=code, http_status=http_status, key=key)


def check(rc: int, key: Optional[str] = None) -> None:
    """Raises the exception for a failed libycdl call (rc < 0).

    Must run right after the call, on the same thread: the detailed message
    is the core's thread-local last error.
    """
    if rc == 0:
        return
    raise_error(rc, key)


def raise_error(rc: int, key: Optional[str] = None) -> NoReturn:
    message = ffi.string(lib.ycdl_last_error_message()).decode("utf-8", "replace")
    raise error_for(rc, message, key=key)
