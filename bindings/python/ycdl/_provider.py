"""_provider.py - the URL provider: a url_needed event, the application's
function, then Task.set_url with its answer. Nothing else.

The binding has no thread of its own: events flow when someone takes them
(an events()/aevents() iteration, a task or group wait, an add_reader
callback). The provider listener notes each url_needed event while the core
delivers it (under the core's lock), and the thread that took the events
runs the provider once the lock is released: inline on a plain thread, as
an asyncio task on a thread whose loop is running.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Deque, Optional, Set, Union

from ._core import Listener
from ._events import Event, EventKind
from .errors import SessionClosedError

if TYPE_CHECKING:
    from ._session import Session
    from ._task import Task

UrlProvider = Callable[["Task"], Union[Optional[str], Awaitable[Optional[str]]]]
"""What Session(url_provider=...) takes: ``(task) -> str | None``, plain or
``async``."""

logger = logging.getLogger("ycdl")


class UrlProviderListener(Listener):
    """Notes url_needed events; run_pending() answers them outside the lock.

    Holds the session weakly: the provider, often a closure over the
    session, lives in the Session, so the core never keeps it alive.
    """

    def __init__(self, session: "Session") -> None:
        self._session = weakref.ref(session)
        self._pending: Deque[Event] = deque()
        self._running: Set["asyncio.Task[None]"] = set()

    def deliver(self, event: Event) -> None:
        if event.kind is EventKind.URL_NEEDED and event.key:
            self._pending.append(event)

    def has_work(self) -> bool:
        return bool(self._pending)

    def run_pending(self) -> None:
        """Calls the provider for every url_needed event noted so far, each
        exactly once, on whichever thread gets here first."""
        while True:
            try:
                event = self._pending.popleft()
            except IndexError:
                return
            session = self._session()
            if session is None or session._url_provider is None:
                return
            from ._task import Task
            self._start(session._url_provider, Task(session, event.key))

    def _start(self, provider: UrlProvider, task: "Task") -> None:
        try:
            loop: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            _provide_blocking(provider, task)
            return
        job = loop.create_task(_provide(provider, task))
        self._running.add(job)      # a task nobody references may be collected
        job.add_done_callback(self._running.discard)


async def _provide(provider: UrlProvider, task: "Task") -> None:
    """On a running loop: an async provider is awaited there; a plain one
    runs on the loop's thread."""
    try:
        answer = provider(task)
        if inspect.isawaitable(answer):
            answer = await answer
        _answer(task, answer)
    except Exception as error:      # never into the loop's exception handler
        _report(task, error)


def _provide_blocking(provider: UrlProvider, task: "Task") -> None:
    """On a plain thread (events(), wait()): a coroutine runs to its end
    in a loop of its own, on this thread."""
    try:
        answer = provider(task)
        if inspect.isawaitable(answer):
            answer = asyncio.run(_awaited(answer))
        _answer(task, answer)
    except Exception as error:
        _report(task, error)


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _answer(task: "Task", answer: Any) -> None:
    if answer is None:
        return      # no new URL: the task keeps waiting for set_url
    if not isinstance(answer, str):
        raise TypeError("url_provider must return a str or None, not %s"
                        % type(answer).__name__)
    task.set_url(answer)


def _report(task: "Task", error: Exception) -> None:
    """A provider that raised (or answered a URL set_url refused) leaves the
    task waiting for a URL; the error goes to the "ycdl" logger, which
    prints it on stderr unless the application configured logging. A
    session closed meanwhile is no error: nobody waits any more."""
    if isinstance(error, SessionClosedError):
        return
    logger.error("url_provider failed for task %s; it keeps waiting for a URL "
                 "(task.set_url() gives it one): %s: %s", task.key, type(error).__name__, error,
                 exc_info=error)
