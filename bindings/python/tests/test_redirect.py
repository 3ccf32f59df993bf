"""test_redirect.py - redirects are followed and reported, and the task stays
named by its original URL."""

from __future__ import annotations

import urllib.parse

import pytest

import ycdl
from support import sha256_of

EventKind = ycdl.EventKind


def test_redirect_chain_is_followed_and_the_original_url_stays_the_identity(
        servers, make_session, record):
    sha = servers.make_file("moved.bin", 123_456)
    target = servers.nginx + "/moved.bin"
    url = "%s/redirect/3?%s" % (servers.fault, urllib.parse.urlencode({"to": target}))
    session = make_session()
    events = record(session)
    task = session.add(url)
    path = task.wait(timeout=30)
    assert sha256_of(path) == sha
    finished = events.until_kind(EventKind.FINISHED, task.key)
    assert finished.data.final_url == target
    hops = events.of(EventKind.REDIRECTED, task.key)
    assert len(hops) == 4
    assert hops[0].data.from_url == url
    assert hops[-1].data.to_url == target
    assert all(hop.data.http_status == 302 for hop in hops)
    info = task.info()
    assert (info.url, info.final_url) == (url, target)
    assert session.find(url) == task
    assert session.find(target) is None


def test_redirect_loop_raises_too_many_redirects(servers, make_session):
    session = make_session(max_redirects=5)
    with pytest.raises(ycdl.TooManyRedirectsError) as raised:
        session.add(servers.fault + "/loop").wait(timeout=30)
    assert raised.value.code == -17


def test_redirect_to_another_scheme_is_refused(servers, make_session):
    url = "%s/redirect-to?%s" % (servers.fault, urllib.parse.urlencode(
        {"url": "ftp://127.0.0.1/file.bin"}))
    session = make_session()
    with pytest.raises(ycdl.ProtocolNotAllowedError) as raised:
        session.add(url).wait(timeout=30)
    assert raised.value.code == -18
