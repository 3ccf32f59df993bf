"""_core.py - one open C session, shared safely between threads and event loops.

The core's events form a single stream. Whichever thread (or asyncio loop)
is waiting takes them out and hands each one to every listener: open event
iterators, asyncio iterators and tasks being waited for. Nothing else keeps
events or per-task state: a listener is dropped when its iterator closes or
its wait ends, so a long-lived session holds nothing of removed tasks. What
keeps the interpreter safe:

- C calls run outside the lock but are counted; close() waits for them
  before the handle is freed, and afterwards every call raises
  SessionClosedError instead of touching freed memory.
- At most one thread at a time blocks in poll() on the event fd (with a
  private wake-up pipe beside it); the other threads wait on a condition
  that is notified after every batch of events.
- asyncio loops watch the event fd with add_reader and take events on their
  own thread. No library thread ever runs Python: the C event callback is
  never installed.
- Work a listener finds while events are delivered (the URL provider's
  calls) runs at the end of that turn, on the thread that took the events,
  with the lock released: see AfterDrain.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import select
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Protocol, TypeVar

from . import ycdl_pb2
from ._events import Event, EventKind, decode_event
from ._native import ffi, lib
from ._types import TaskStatus
from .errors import SessionClosedError, check

_NOT_FINAL_ANY_MORE = frozenset({TaskStatus.WAITING, TaskStatus.DOWNLOADING,
                                 TaskStatus.PAUSED, TaskStatus.WAITING_FOR_NETWORK})


# -------------------------------------------------------------- listeners

class Listener:
    """Receives events. deliver() and end() run with the core's lock held,
    on whichever thread took the events; they must only record and wake."""

    def deliver(self, event: Event) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """No more events will come: the session is closing, or the
        listener's owner closed it (Core.close_listener)."""


_L = TypeVar("_L", bound=Listener)


class AfterDrain(Protocol):
    """Work noted while events were delivered, done once the lock is
    released by the thread (or loop) that took them."""

    def has_work(self) -> bool: ...

    def run_pending(self) -> None: ...


class EventQueue(Listener):
    """The buffer of one synchronous event iterator."""

    def __init__(self) -> None:
        self.events: Deque[Event] = deque()
        self.ended = False

    def deliver(self, event: Event) -> None:
        self.events.append(event)

    def end(self) -> None:
        self.ended = True


class Outcome(Listener):
    """The final event of one task's current run, for a blocking wait.

    A run that starts again (task_added, or a status that is not final)
    forgets the final event of the one before.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.event: Optional[Event] = None

    def deliver(self, event: Event) -> None:
        if event.key != self.key:
            return
        if event.is_final:
            self.event = event
        elif event.kind is EventKind.TASK_ADDED or (
                event.kind is EventKind.STATUS_CHANGED and
                event.status in _NOT_FINAL_ANY_MORE):
            self.event = None


class _OnLoop:
    """Runs a function on an asyncio loop's thread, from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.thread = threading.get_ident()

    def call(self, function: Callable[[], None]) -> None:
        if threading.get_ident() == self.thread:
            function()
            return
        try:
            self.loop.call_soon_threadsafe(function)
        except RuntimeError:
            pass    # the loop is closed: nobody is waiting there any more


class AsyncEventQueue(Listener):
    """The buffer of one asyncio event iterator, bound to its loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.on_loop = _OnLoop(loop)
        self.events: Deque[Event] = deque()
        self.ended = False
        self._waiter: Optional[asyncio.Future[None]] = None

    def deliver(self, event: Event) -> None:
        self.events.append(event)
        self.on_loop.call(self._release)

    def end(self) -> None:
        self.ended = True
        self.on_loop.call(self._release)

    def _release(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self, timeout: Optional[float]) -> bool:
        """Waits until deliver() or end(); False when timeout passed first."""
        self._waiter = self.on_loop.loop.create_future()
        try:
            await asyncio.wait_for(self._waiter, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self._waiter = None


class AsyncOutcome(Listener):
    """Resolves a future with the final event of one task."""

    def __init__(self, key: str, loop: asyncio.AbstractEventLoop) -> None:
        self.key = key
        self.on_loop = _OnLoop(loop)
        self.future: asyncio.Future[Event] = loop.create_future()

    def deliver(self, event: Event) -> None:
        if event.key == self.key and event.is_final:
            self.on_loop.call(lambda: self._settle(event))

    def end(self) -> None:
        self.on_loop.call(self._fail_closed)

    def _settle(self, event: Event) -> None:
        if not self.future.done():
            self.future.set_result(event)

    def _fail_closed(self) -> None:
        if not self.future.done():
            self.future.set_exception(_closed_error())


class GroupOutcome(Listener):
    """The group_finished event of one group, for a wait on the group; also
    counts removed events, after which the wait asks whether the group
    went with its tasks (no event says so)."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.event: Optional[Event] = None
        self.removals = 0
        self.gone = False

    def deliver(self, event: Event) -> None:
        if event.kind is EventKind.GROUP_FINISHED:
            if self.event is None and isinstance(event.data, ycdl_pb2.GroupFigures) and \
                    event.data.group == self.group:
                self.event = event
        elif event.kind is EventKind.REMOVED:
            self.removals += 1


class AsyncGroupOutcome(GroupOutcome):
    """GroupOutcome for asyncio: wakes the waiting coroutine on its loop."""

    def __init__(self, group: str, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(group)
        self.on_loop = _OnLoop(loop)
        self.ended = False
        self._waiter: Optional[asyncio.Future[None]] = None

    def deliver(self, event: Event) -> None:
        super().deliver(event)
        if self.event is not None or self.removals:
            self.on_loop.call(self._release)

    def end(self) -> None:
        self.ended = True
        self.on_loop.call(self._release)

    def _release(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self, timeout: Optional[float]) -> bool:
        """Waits until something was delivered or the session closed;
        False when timeout passed first."""
        self._waiter = self.on_loop.loop.create_future()
        try:
            await asyncio.wait_for(self._waiter, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self._waiter = None


def _closed_error() -> SessionClosedError:
    return SessionClosedError("the session is closed")


# -------------------------------------------------------------- the core

class Core:
    """The C handle of an open session and the state every thread shares."""

    def __init__(self, handle: Any) -> None:
        out_fd = ffi.new("int *")
        check(lib.ycdl_session_event_fd(out_fd, handle))
        self.handle = handle
        self.event_fd: int = out_fd[0]
        # Re-entrant: a garbage-collected iterator may unsubscribe from
        # within a drain on the same thread.
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.closed = False
        self.decode: Callable[[bytes], Event] = decode_event
        self.after_drain: Optional[AfterDrain] = None
        self._calls_in_flight = 0
        self._poller: Optional[int] = None      # thread blocked in poll()
        self._listeners: List[Listener] = []
        self._watchers: Dict[asyncio.AbstractEventLoop, int] = {}
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    # ---------------------------------------------------------- C calls

    def _check_open(self) -> None:
        if self.closed:
            raise _closed_error()

    @contextlib.contextmanager
    def calling(self) -> Iterator[Any]:
        """The handle, for one C call; close() waits until it is returned."""
        with self.lock:
            self._check_open()
            self._calls_in_flight += 1
        try:
            yield self.handle
        finally:
            with self.lock:
                self._calls_in_flight -= 1
                if not self._calls_in_flight:
                    self.changed.notify_all()

    def call(self, function: Callable[..., int], *args: Any, key: Optional[str] = None) -> None:
        """Calls function(handle, *args) and raises on a negative result."""
        with self.calling() as handle:
            check(function(handle, *args), key)

    # ----------------------------------------------------------- events

    def subscribe(self, listener: Listener) -> None:
        with self.lock:
            self._check_open()
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self.lock:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

    def close_listener(self, listener: Listener) -> None:
        """Unsubscribes listener and ends it, as closing the session would:
        a read blocked on it, on any thread or loop, returns at once."""
        with self.lock:
            self.unsubscribe(listener)
            listener.end()
            self._wake_waiters_locked()

    @contextlib.contextmanager
    def following(self, listener: _L) -> Iterator[_L]:
        """listener, subscribed for the duration of the block to the events
        that come from now on. What is pending is taken first, so that the
        final event of a run that ended before never reaches it; ask the
        core (task info) about those."""
        with self.lock:
            self._check_open()
            self._drain_locked()
            self._listeners.append(listener)
        try:
            self._run_after_drain()
            yield listener
        finally:
            self.unsubscribe(listener)

    def drain(self) -> None:
        """Takes every pending event now, without blocking."""
        with self.lock:
            self._drain_locked()
        self._run_after_drain()

    def _run_after_drain(self) -> None:
        """Does the after-drain work; never with the lock held."""
        if self.after_drain is not None and self.after_drain.has_work():
            self.after_drain.run_pending()

    def _drain_locked(self) -> None:
        if self.closed:
            return
        data = ffi.new("void **")
        size = ffi.new("size_t *")
        taken = False
        while not self.closed:
            rc = lib.ycdl_session_next_event(data, size, self.handle)
            if rc == lib.YCDL_E_AGAIN:
                break
            check(rc)
            try:
                raw = ffi.unpack(ffi.cast("char *", data[0]), size[0])
            finally:
                lib.ycdl_free(data[0])
            self._dispatch_locked(self.decode(raw))
            taken = True
        if taken:
            self._wake_waiters_locked()

    def _dispatch_locked(self, event: Event) -> None:
        for listener in tuple(self._listeners):
            listener.deliver(event)

    def _wake_waiters_locked(self) -> None:
        """Makes every thread in wait_for() look at its ready() again: those
        waiting on the condition, and the one blocked in poll()."""
        if self.closed:
            return      # close() woke them; the wake-up pipe may be gone
        self.changed.notify_all()
        if self._poller is not None and self._poller != threading.get_ident():
            self._wake_poller()

    def wait_for(self, ready: Callable[[], bool], timeout: Optional[float]) -> bool:
        """Takes events until ready() is true; False when timeout passed.

        ready() runs with the lock held, after each batch of events. Raises
        SessionClosedError when the session closes before ready() holds.
        """
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        while True:
            with self.lock:
                self._drain_locked()
                if self.after_drain is None or not self.after_drain.has_work():
                    if ready():
                        return True
                    self._check_open()
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    if self._poller is None:
                        self._poll_unlocked(remaining)
                    else:
                        self.changed.wait(remaining)
                    continue
            self._run_after_drain()

    def _poll_unlocked(self, timeout: Optional[float]) -> None:
        """Blocks until the event fd is readable, someone wakes us, or
        timeout; called with the lock held, releases it meanwhile."""
        self._poller = threading.get_ident()
        self.lock.release()
        try:
            poller = select.poll()
            poller.register(self.event_fd, select.POLLIN)
            poller.register(self._wake_r, select.POLLIN)
            poller.poll(-1 if timeout is None else math.ceil(timeout * 1000))
            self._clear_wake()
        finally:
            self.lock.acquire()
            self._poller = None
            self.changed.notify_all()

    def _wake_poller(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"\0")

    def _clear_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 512):
                pass

    def wait_outcome(self, outcome: Outcome, timeout: Optional[float]) -> Optional[Event]:
        """The final event outcome (subscribed with following()) receives,
        or None after timeout."""
        found: List[Event] = []

        def ready() -> bool:
            if outcome.event is not None:
                found.append(outcome.event)
            return bool(found)

        return found[0] if self.wait_for(ready, timeout) else None

    async def wait_outcome_async(self, outcome: AsyncOutcome, timeout: Optional[float],
                                 owner: object) -> Optional[Event]:
        """wait_outcome() for asyncio, on outcome's loop, which watches the
        event fd meanwhile."""
        loop = outcome.on_loop.loop
        self.watch(loop, owner)
        try:
            return await asyncio.wait_for(outcome.future, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self.unwatch(loop)

    # ---------------------------------------------------------- asyncio

    def watch(self, loop: asyncio.AbstractEventLoop, owner: object) -> None:
        """Makes loop take events whenever the event fd is readable.

        The loop keeps owner (the Session) alive while it watches, so the
        session is never collected, and closed, from inside a drain.
        """
        with self.lock:
            self._check_open()
            count = self._watchers.get(loop, 0)
            if count == 0:
                loop.add_reader(self.event_fd, _drain_for, self, owner)
            self._watchers[loop] = count + 1

    def unwatch(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            count = self._watchers.get(loop, 0)
            if count > 1:
                self._watchers[loop] = count - 1
                return
            if count == 0:
                return      # close() took care of it
            del self._watchers[loop]
            # On the loop's own thread (the usual case) this is immediate,
            # so it happens before close() can free the fd.
            _stop_watching(loop, self.event_fd, wait=False)

    # ------------------------------------------------------------ close

    def close(self) -> None:
        """Pauses running downloads (the core keeps their data), writes
        every snapshot and frees the session. Idempotent; waits for C calls
        in flight on other threads."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            for listener in self._listeners:
                listener.end()
            self._listeners.clear()
            self._wake_poller()
            self.changed.notify_all()
            while self._calls_in_flight or self._poller is not None:
                self.changed.wait()
            loops = list(self._watchers)
            self._watchers.clear()
        for loop in loops:
            _stop_watching(loop, self.event_fd, wait=True)
        rc = lib.ycdl_session_close(self.handle)
        self.handle = ffi.NULL
        os.close(self._wake_r)
        os.close(self._wake_w)
        check(rc)


def _drain_for(core: Core, owner: object) -> None:
    """The add_reader callback: takes the pending events on the loop."""
    core.drain()


def _stop_watching(loop: asyncio.AbstractEventLoop, fd: int, wait: bool) -> None:
    """remove_reader on loop's own thread. When the loop runs on another
    thread, the removal is posted there and, with wait, awaited: the fd must
    not be watched any more once the core closes it."""
    if loop.is_closed():
        return
    try:
        on_loop = asyncio.get_running_loop() is loop
    except RuntimeError:
        on_loop = False
    if on_loop or not loop.is_running():
        loop.remove_reader(fd)
        return
    done = threading.Event()

    def remove() -> None:
        try:
            loop.remove_reader(fd)
        finally:
            done.set()

    try:
        loop.call_soon_threadsafe(remove)
    except RuntimeError:
        return
    if wait:
        done.wait(5.0)
