"""host.py - a background host written with the binding, as the C tests'
child_host is written with the core: owns a session, runs its downloads and
serves it to attached handles until one asks it to stop, or until nothing is
pending and nobody is attached for a second.

    python host.py STATE_DIR SESSION_ID [--stay]

--stay: no exit when idle, only on a stop request (as ``ycdl serve`` without
--exit-when-idle).

Started by ``Session(..., background=True, host_command=[...])`` in the tests
that must not depend on the ``ycdl`` program being built (its ``ycdl serve``
is the same loop in C)."""

from __future__ import annotations

import sys
import time

import ycdl

IDLE_GRACE = 1.0


def serve(state_dir: str, identifier: str, exit_when_idle: bool) -> None:
    with ycdl.Session(identifier, state_dir=state_dir, mode="own", auto_resume=True,
                      checkpoint_interval=0.2, retry_base_delay=0.05,
                      retry_max_delay=0.4) as session, session.events() as stream:
        idle_since = None
        while True:
            event = stream.get(timeout=0.05)
            if event is not None and event.kind is ycdl.EventKind.STOP_REQUESTED:
                return
            info = session.info()
            if info.pending or info.clients or not exit_when_idle:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > IDLE_GRACE:
                return


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], exit_when_idle="--stay" not in sys.argv[3:])
