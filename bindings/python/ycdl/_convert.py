"""_convert.py - checking Python arguments and turning them into C values.

Everything the binding hands to the core passes through here first, so that
garbage (wrong types, embedded NULs, negative sizes, numbers too big for the
C field) raises a clean exception in Python instead of being truncated or
wrapped around in C. The core validates meaning (URLs, checksums, headers);
this module validates form.
"""

from __future__ import annotations

import math
import operator
import os
from typing import Any, Iterable, List, Mapping, Optional, Union

from ._native import ffi
from .errors import InvalidArgumentError

StrPath = Union[str, "os.PathLike[str]"]

UINT_MAX = 2**32 - 1
INT_MIN, INT_MAX = -2**31, 2**31 - 1
UINT64_MAX = 2**64 - 1
INT64_MAX = 2**63 - 1


class Keeper:
    """Holds the C buffers of one call alive until the call returns."""

    def __init__(self) -> None:
        self._owned: List[Any] = []

    def string(self, value: Optional[bytes]) -> Any:
        """A ``char *`` for value (NULL for None), kept alive by self."""
        if value is None:
            return ffi.NULL
        buf = ffi.new("char[]", value)
        self._owned.append(buf)
        return buf

    def buffer(self, value: bytes) -> Any:
        """A ``void *`` holding a copy of value, kept alive by self."""
        buf = ffi.new("char[]", value or b"\0")
        self._owned.append(buf)
        return buf

    def string_array(self, values: List[bytes]) -> Any:
        array = ffi.new("char *[]", [self.string(v) for v in values] or [ffi.NULL])
        self._owned.append(array)
        return array

    def argv(self, values: List[bytes]) -> Any:
        """A NULL-terminated ``char *[]`` (a command line), kept alive by self."""
        array = ffi.new("char *[]", [self.string(v) for v in values] + [ffi.NULL])
        self._owned.append(array)
        return array


def _no_nul(data: bytes, name: str) -> bytes:
    if b"\0" in data:
        raise InvalidArgumentError("%s must not contain NUL characters" % name)
    return data


def text(value: Any, name: str) -> bytes:
    """A required str, UTF-8 encoded for C."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (name, type(value).__name__))
    try:
        return _no_nul(value.encode("utf-8"), name)
    except UnicodeEncodeError:
        raise InvalidArgumentError("%s is not valid Unicode" % name) from None


def optional_text(value: Any, name: str) -> Optional[bytes]:
    return None if value is None else text(value, name)


def path(value: Any, name: str) -> bytes:
    """A required file system path (str, bytes or os.PathLike)."""
    try:
        raw = os.fspath(value)
    except TypeError:
        raise TypeError("%s must be a path (str or os.PathLike), not %s"
                        % (name, type(value).__name__)) from None
    data = os.fsencode(raw)
    if not data:
        raise InvalidArgumentError("%s must not be empty" % name)
    return _no_nul(data, name)


def optional_path(value: Any, name: str) -> Optional[bytes]:
    return None if value is None else path(value, name)


def flag(value: Any, name: str) -> int:
    """A bool as the C int 0 or 1; anything but a bool is refused so that a
    stray string never reads as True."""
    if not isinstance(value, bool):
        raise TypeError("%s must be a bool, not %s" % (name, type(value).__name__))
    return int(value)


def integer(value: Any, name: str, low: int, high: int) -> int:
    """An int within [low, high]."""
    if isinstance(value, bool):
        raise TypeError("%s must be an int, not bool" % name)
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__)) from None
    if not low <= number <= high:
        raise InvalidArgumentError("%s must be between %d and %d, not %d"
                                   % (name, low, high, number))
    return number


def milliseconds(seconds: Any, name: str, high: int = UINT_MAX) -> int:
    """Seconds (int or float) as whole milliseconds for C."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("%s must be a number of seconds, not %s"
                        % (name, type(seconds).__name__))
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidArgumentError("%s must be a finite, non-negative number of "
                                   "seconds" % name)
    ms = round(seconds * 1000)
    if ms > high:
        raise InvalidArgumentError("%s is too large" % name)
    return ms


def whole_seconds(seconds: Any, name: str) -> int:
    return milliseconds(seconds, name, UINT_MAX * 1000) // 1000


def header_lines(headers: Any) -> List[bytes]:
    """Extra request headers as "Name: value" lines.

    Accepts a mapping {name: value} or an iterable of "Name: value" strings.
    """
    if headers is None:
        return []
    if isinstance(headers, (str, bytes)):
        raise TypeError("headers must be a mapping or a list of \"Name: value\" "
                        "strings, not a single %s" % type(headers).__name__)
    if isinstance(headers, Mapping):
        lines: Iterable[Any] = ["%s: %s" % (_header_part(k, "name"), _header_part(v, "value"))
                                for k, v in headers.items()]
    else:
        try:
            lines = list(headers)
        except TypeError:
            raise TypeError("headers must be a mapping or a list of strings, not %s"
                            % type(headers).__name__) from None
    return [text(line, "header") for line in lines]


def text_list(values: Any, name: str) -> List[bytes]:
    """A list of strs (mirrors, content types) for a C string array; None is
    the empty list."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)):
        raise TypeError("%s must be a list of str, not a single %s" % (name, type(values).__name__))
    try:
        items = list(values)
    except TypeError:
        raise TypeError("%s must be a list of str, not %s" % (name, type(values).__name__)) from None
    return [text(item, name) for item in items]


def _header_part(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError("header %s must be a str, not %s" % (what, type(value).__name__))
    return value


def blob(value: Any, name: str) -> bytes:
    """Opaque bytes (bytes, bytearray, memoryview)."""
    if isinstance(value, str):
        raise TypeError("%s must be bytes, not str (encode it first)" % name)
    try:
        return bytes(memoryview(value))
    except TypeError:
        raise TypeError("%s must be bytes-like, not %s" % (name, type(value).__name__)) from None


def c_text(pointer: Any) -> str:
    """A C string from the core (UTF-8) as str; "" for NULL."""
    if pointer == ffi.NULL:
        return ""
    return str(ffi.string(pointer).decode("utf-8", "replace"))


def c_path(pointer: Any) -> str:
    """A C path from the core as str, decoded like os.fsdecode."""
    if pointer == ffi.NULL:
        return ""
    return os.fsdecode(ffi.string(pointer))
