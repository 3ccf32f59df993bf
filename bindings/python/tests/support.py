"""support.py - helpers shared by the binding's tests: the test servers'
addresses and files, test timings, and an event recorder."""

from __future__ import annotations

import hashlib
import random
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import ycdl


@dataclass(frozen=True)
class Servers:
    """The addresses servers.env gives, and the fault server's counters."""

    nginx: str
    nginx_tls: str
    fault: str
    fault2: str         # the fault server on a second port: another origin
    www: Path
    ca_file: Path

    def make_file(self, name: str, size: int) -> str:
        """Writes www/name with size deterministic bytes; returns its SHA-256."""
        data = random.Random(name).randbytes(size)
        (self.www / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    def fault_stat(self, ident: str, counter: str) -> int:
        """A counter ("requests" or "bytes") of the fault server for ident."""
        with urllib.request.urlopen("%s/_stats?id=%s" % (self.fault, ident), timeout=5) as r:
            lines = dict(line.split("=", 1) for line in r.read().decode().split())
        return int(lines[counter])

    def fault_headers(self, ident: str) -> str:
        with urllib.request.urlopen("%s/_headers?id=%s" % (self.fault, ident), timeout=5) as r:
            return r.read().decode()


# Short intervals so that tests see progress, checkpoints and retries quickly.
FAST = dict(progress_interval=0.05, checkpoint_interval=0.2, checkpoint_bytes=256 * 1024,
            retry_base_delay=0.05, retry_max_delay=0.4, low_speed_time=5,
            connect_timeout=5)


class Recorder:
    """Takes a session's events on the test's thread and keeps them all."""

    def __init__(self, session: ycdl.Session) -> None:
        self.events: List[ycdl.Event] = []
        self._stream = session.events()

    def until(self, accept: Callable[[ycdl.Event], bool], timeout: float = 30.0) -> ycdl.Event:
        """Records events until one is accepted; returns it. Events recorded
        earlier count too."""
        for seen in self.events:
            if accept(seen):
                return seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = self._stream.get(timeout=deadline - time.monotonic())
            if event is None:
                break
            self.events.append(event)
            if accept(event):
                return event
        raise AssertionError("no such event within %s s; saw:\n%s"
                             % (timeout, "\n".join(map(str, self.events))))

    def until_kind(self, kind: ycdl.EventKind, key: Optional[str] = None,
                   timeout: float = 30.0) -> ycdl.Event:
        return self.until(lambda e: e.kind is kind and (key is None or e.key == key), timeout)

    def until_status(self, key: str, status: ycdl.TaskStatus, timeout: float = 30.0) -> ycdl.Event:
        return self.until(lambda e: e.kind is ycdl.EventKind.STATUS_CHANGED and e.key == key
                          and e.data.new_status == status, timeout)

    def of(self, kind: ycdl.EventKind, key: Optional[str] = None) -> List[ycdl.Event]:
        return [e for e in self.events if e.kind is kind and (key is None or e.key == key)]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_numbered(events: List[ycdl.Event]) -> None:
    """seq counts from 1 and strictly increases; the numbers it skips are the
    progress events that newer ones replaced while nobody read (each
    progress event's ``coalesced`` counts those it replaced)."""
    seqs = [e.seq for e in events]
    assert seqs[0] == 1
    assert all(a < b for a, b in zip(seqs, seqs[1:])), seqs
    coalesced = sum(e.data.coalesced for e in events if e.kind is ycdl.EventKind.PROGRESS)
    assert seqs[-1] == len(seqs) + coalesced, (seqs, coalesced)
