"""usage.py - typed use of the events, checked by mypy --strict
--warn-unused-ignores in test_typing.py (never run). Each ``type: ignore``
marks a misuse that must stay an error: if the types got looser (``data``
typed Any again, a field or enum gone), the ignore turns unused and mypy
fails."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import ycdl
from ycdl import ycdl_pb2


def handle(event: ycdl.Event) -> List[str]:
    lines: List[str] = []
    if isinstance(event.data, ycdl_pb2.Progress):
        written: int = event.data.bytes_written
        expected: int = event.data.bytes_expected
        over: int = event.data.connections
        lines.append("%d of %d over %d" % (written, expected, over))
    elif isinstance(event.data, ycdl_pb2.StatusChanged):
        new: Optional[ycdl.TaskStatus] = event.status
        old: Optional[ycdl.TaskStatus] = event.old_status
        if new is ycdl.TaskStatus.PAUSED and old is not None:
            lines.append("paused while " + old.label)
    elif isinstance(event.data, ycdl_pb2.Finished):
        path = Path(event.data.path)
        lines.append(path.name + " " + event.data.sha256_hex)
    elif isinstance(event.data, (ycdl_pb2.Failed, ycdl_pb2.UrlNeeded)):
        code: Optional[ycdl.ErrorCode] = event.error_code
        error: Optional[ycdl.DownloadError] = event.error
        if code is ycdl.ErrorCode.URL_EXPIRED and error is not None:
            lines.append(code.symbol + ": " + error.message)
    elif isinstance(event.data, ycdl_pb2.Attached):
        for info in event.data.tasks:
            lines.append(info.key + " " + str(ycdl.TaskStatus(info.status)))
        lines.append("owner %d" % event.data.owner_pid)
    elif isinstance(event.data, ycdl_pb2.RoleChanged):
        role: Optional[ycdl.Role] = event.role
        lines.append("%s: %s" % (role, event.data.reason))
    elif isinstance(event.data, ycdl_pb2.StopRequested):
        lines.append("stop asked by " + event.data.by)
    elif isinstance(event.data, ycdl_pb2.ClientsChanged):
        lines.append("%d attached" % event.data.attached)
    elif isinstance(event.data, ycdl_pb2.GroupFigures):
        info_ = event.group_info
        if info_ is not None:
            lines.append("%s %d/%d" % (info_.name, info_.finished, info_.tasks))
    resumability: Optional[ycdl.Resumability] = event.resumability
    if resumability is ycdl.Resumability.NO:
        lines.append("a pause would restart")
    kind: ycdl.EventKind = event.kind
    lines.append(str(kind))
    return lines


def misuse(event: ycdl.Event) -> None:
    # data is the union of the kinds' messages, not Any: narrow it first.
    event.data.bytes_written  # type: ignore[union-attr]
    # Fields are known, enums are typed.
    ycdl_pb2.Progress().bytes_writen  # type: ignore[attr-defined]
    ycdl_pb2.StatusChanged(new_status="paused")  # type: ignore[arg-type]
    ycdl.TaskStatus.ARCHIVED  # type: ignore[attr-defined]
    ycdl.ErrorCode.TEAPOT  # type: ignore[attr-defined]
    label: str = event.status  # type: ignore[assignment]
    del label


def shared(state: Path) -> List[str]:
    # Attaching, the background host and the session-level options are typed.
    with ycdl.Session("app", state_dir=state, attach=True, takeover=False,
                      receive_events=True) as client:
        role: ycdl.Role = client.role
        info: ycdl.SessionInfo = client.info()
        client.add("https://example.com/a.bin", secret_headers={"X-Api-Token": "t"})
    with ycdl.Session("app", state_dir=state, mode=ycdl.OpenMode.OWN_OR_ATTACH,
                      background=True, host_command=["ycdl", "serve"],
                      url_refresh_statuses=[403], accept_types=["video/*"],
                      disk_reserve=0, preallocate=False, max_host_connections=2,
                      connections=4, segment_min_size=1 << 20) as host:
        task = host.add("https://example.com/b.bin", connections=ycdl.MAX_CONNECTIONS)
        now: int = task.info().connections + task.info().max_connections
        del now
        host.request_stop()
    ycdl.Session("app", mode="attach", disk_reserve="1G")  # type: ignore[arg-type]
    ycdl.Session("app", connections="4")  # type: ignore[arg-type]

    async def refresh(task: ycdl.Task) -> Optional[str]:
        return "https://example.com/%s" % task.key

    def refresh_now(task: ycdl.Task) -> str:
        return task.info().url

    ycdl.Session("app", state_dir=state, url_provider=refresh).close()
    ycdl.Session("app", state_dir=state, url_provider=refresh_now).close()
    ycdl.Session("app", url_provider=lambda task: 5)  # type: ignore[arg-type,return-value]
    return ["%s %d %d" % (role, info.owner_pid, info.clients)]
