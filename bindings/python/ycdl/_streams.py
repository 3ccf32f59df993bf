"""_streams.py - iterating over a session's events, plainly or with asyncio.

Each iterator sees every event taken from the session after it was created,
in order; several may be open at once, on any threads or loops.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, AsyncIterator, Iterator, Optional

from ._core import AsyncEventQueue, Core, EventQueue
from ._events import Event

if TYPE_CHECKING:
    from ._session import Session


class EventIterator(Iterator[Event]):
    """The events of a session as they come; see :meth:`Session.events`.

    Ends when timeout seconds pass without an event, when the session
    closes, or on :meth:`close`, whichever thread calls it: a read blocked
    in another thread returns then. Usable as a context manager.
    """

    def __init__(self, session: "Session", core: Core, timeout: Optional[float]) -> None:
        self._session = session     # the session outlives its iterators
        self._core = core
        self._timeout = timeout
        self._queue = EventQueue()
        self._open = False
        core.subscribe(self._queue)
        self._open = True

    def __iter__(self) -> "EventIterator":
        return self

    def __next__(self) -> Event:
        event = self.get(self._timeout)
        if event is None:
            self.close()
            raise StopIteration
        return event

    def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, waiting up to timeout seconds (None: as long as
        it takes); None on timeout or once the session is closed. Unlike
        iteration, a timeout leaves the iterator open."""
        queue = self._queue
        if not self._open:
            return None
        self._core.wait_for(lambda: bool(queue.events) or queue.ended, timeout)
        try:
            return queue.events.popleft()
        except IndexError:      # nothing came, or close() emptied the queue
            return None

    def close(self) -> None:
        """Stops receiving events; the iteration ends, also one blocked in
        another thread."""
        if self._open:
            self._open = False
            self._core.close_listener(self._queue)
            self._queue.events.clear()

    def __enter__(self) -> "EventIterator":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_open", False):
            self.close()


class AsyncEventIterator(AsyncIterator[Event]):
    """The events of a session for asyncio; see :meth:`Session.aevents`.

    The running loop watches the session's event fd (``add_reader``) while
    the iterator is open, and takes the events on its own thread.
    """

    def __init__(self, session: "Session", core: Core, timeout: Optional[float]) -> None:
        self._session = session
        self._core = core
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._queue = AsyncEventQueue(self._loop)
        self._open = False
        core.subscribe(self._queue)
        try:
            core.watch(self._loop, session)
        except BaseException:
            core.unsubscribe(self._queue)
            raise
        self._open = True

    def __aiter__(self) -> "AsyncEventIterator":
        return self

    async def __anext__(self) -> Event:
        event = await self.get(self._timeout)
        if event is None:
            self.close()
            raise StopAsyncIteration
        return event

    async def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, waiting up to timeout seconds (None: as long as
        it takes); None on timeout or once the session is closed. Unlike
        iteration, a timeout leaves the iterator open."""
        queue = self._queue
        deadline = None if timeout is None else self._loop.time() + timeout
        while self._open:
            self._core.drain()      # what is pending before the fd is seen
            try:
                return queue.events.popleft()
            except IndexError:      # nothing yet, or close() emptied the queue
                pass
            remaining = None if deadline is None else deadline - self._loop.time()
            if queue.ended or (remaining is not None and remaining <= 0):
                break
            await queue.wait(remaining)
        return None

    def close(self) -> None:
        """Stops receiving events and stops watching the event fd; the
        iteration ends, also one pending in another task. Callable from any
        thread."""
        if self._open:
            self._open = False
            self._core.close_listener(self._queue)
            self._queue.events.clear()
            self._core.unwatch(self._loop)

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> "AsyncEventIterator":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_open", False):
            self.close()
