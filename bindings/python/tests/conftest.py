"""conftest.py - fixtures of the binding's tests: the real test servers
(nginx and the fault server, started once per run via tests/servers) and
sessions in temporary state directories, closed after each test."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

import ycdl
from support import FAST, Recorder, Servers

REPO = Path(__file__).resolve().parents[3]
TESTSERVERS = REPO / "tests" / "servers" / "testservers.py"


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    where = tmp_path_factory.mktemp("servers")
    subprocess.run([sys.executable, str(TESTSERVERS), "start", "--dir", str(where)],
                   check=True, stdout=subprocess.DEVNULL)
    try:
        env = dict(line.rstrip("\n").split("=", 1)
                   for line in (where / "servers.env").read_text().splitlines() if "=" in line)
        yield Servers(nginx=env["NGINX_URL"], nginx_tls=env["NGINX_TLS_URL"],
                      fault=env["FAULT_URL"], fault2=env["FAULT_URL2"],
                      www=Path(env["WWW_DIR"]),
                      ca_file=Path(env["CA_FILE"]))
    finally:
        subprocess.run([sys.executable, str(TESTSERVERS), "stop", "--dir", str(where)],
                       check=False, stdout=subprocess.DEVNULL)


_unique = itertools.count()


@pytest.fixture
def make_session(tmp_path: Path) -> Iterator[Callable[..., ycdl.Session]]:
    """Opens sessions under tmp_path (state in tmp_path/state, downloads in
    tmp_path/downloads) with test timings; closes them after the test."""
    opened: List[ycdl.Session] = []

    def make(identifier: Optional[str] = None, **options: object) -> ycdl.Session:
        os.makedirs(tmp_path / "downloads", exist_ok=True)
        settings = dict(FAST, state_dir=tmp_path / "state",
                        download_dir=tmp_path / "downloads")
        settings.update(options)
        session = ycdl.Session(identifier or "test-%d" % next(_unique), **settings)  # type: ignore[arg-type]
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()


@pytest.fixture
def record() -> Callable[[ycdl.Session], Recorder]:
    """record(session) starts recording the session's events."""
    return Recorder
