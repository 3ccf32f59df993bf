#!/usr/bin/env python3
"""faultserver.py - the project's fault-injecting HTTP/1.1 server.

nginx gives the tests real Range/ETag/If-Range behaviour; this server gives
them everything nginx will not do on purpose: resets, stalls, short bodies,
5xx and 429 storms, ignored ranges, lying Content-Range headers, resources
that change between requests, redirect chains and loops, hostile
Content-Disposition values.

Files are served from --www. What goes wrong is chosen per request by query
parameters (all optional, combinable):

  id=NAME            counts requests and body bytes under NAME (see /_stats)
                     and remembers the last request's headers (/_headers);
                     one-shot faults fire on NAME's first request only
  rate=BPS           sends the body at about BPS bytes per second
  fail=N&status=S    the first N requests of the id answer status S
  fail_at=K          ... counting from the id's K-th request instead (so
                     fail_at=2&fail=2 fails requests 2 and 3)
  always=S           every request answers status S
  retry_after=SEC    a Retry-After header on those failure answers
  reset_after=N      first request: TCP reset after N body bytes
                     (reset_at=K: the id's K-th request instead)
  short=N            first request: full Content-Length, N bytes, then close
  stall_after=N&stall=SEC  first request: N bytes, then silence for SEC s
  chunked=1          chunked transfer encoding, no length (a Range request
                     still gets an ordinary 206)
  stall_before_end=SEC  chunked, first request: every data chunk, then
                     silence for SEC s before the terminating chunk
  cd=VALUE           a Content-Disposition header with VALUE as is
  norange=1          no Accept-Ranges; Range is ignored (always 200)
  norange_from=K     the same, from the id's K-th request on (a server
                     that stops taking ranges: a second segment's request)
  no_validators=1    neither ETag nor Last-Modified
  weak_etag=1        a weak ETag (W/"...") next to Last-Modified
  change_after=N     after N requests of the id the content changes: every
                     byte XOR 0x5A, same size, new ETag and Last-Modified
  ignore_if_range=1  honours Range even when If-Range no longer matches
  cr_start_off=K     206 whose Content-Range starts K bytes later than asked
  cr_total_off=K     206 whose Content-Range total is K bytes larger
  wrong_range=1      206 for the whole file whatever range was asked
  resize=K           with change_after: the changed content is also K bytes
                     longer (K < 0: shorter); bytes past the original end
                     are 0x5A (as if the file went on with zeros, XOR 0x5A)
  ok_with_range=1    a Range request is answered 200 instead of 206, with
                     the asked bytes as body and their Content-Range
  full_with_cr=1     every answer is 200 with the whole file and a
                     "Content-Range: bytes 0-LAST/SIZE" header
  hang=SEC           every request of the id: read, then not a byte of
                     answer for SEC s, then close (a peer that accepts and
                     never answers)
  hang_at=K&hangs=N  ... only the id's requests K to K+N-1 hang
  stall_requests=N   stall_after/stall apply to the id's first N requests
                     (default 1)
  big_headers=BYTES  about BYTES of extra header lines (1000 bytes each)
                     before the body
  big_header=BYTES   one extra header line with a value of BYTES bytes
  cut=N              every request: full Content-Length, N bytes, then close
                     (cut_step=K: the id's n-th request cuts at N+(n-1)*K)
  lie_length=K       every request: Content-Length K bytes more than the
                     body it sends, then close
  bad_chunk=KIND     chunked, every request: the data up to bad_chunk_after
                     (default 65536), then a chunk size line that is
                     "overflow" (17 hex digits), "negative" (-1) or "nonhex"
                     (zz)
  keep_validators=1  with change_after: the changed content keeps the
                     original ETag and Last-Modified (a file replaced by one
                     of the same size within the same second, as nginx sees
                     it)
  html_from=K        the id's requests from the K-th on answer 200 with an
                     HTML "Access denied" page instead of the file (a CDN
                     or captive portal error page)
  type=TYPE          the file's Content-Type (default
                     application/octet-stream; type= sends none)
  X-Amz-Date=D&X-Amz-Expires=S  a presigned URL: 403 (as S3 says it) once
                     the time D (20261204T120000Z) plus S seconds has passed

Listeners: --port (FAULT_URL); --port2-file adds a second plain HTTP port,
--port6-file one on [::1], and --tls-port-file (with --tls-cert/--tls-key)
an HTTPS port, all sharing every counter with the first, so that a test can redirect to another port or
scheme of the same host and still read what arrived there.

Special paths:
  /redirect/N?to=URL&code=C   N more hops through /redirect/N-1, then to URL
  /redirect-to?url=URL        one 302 to URL (any scheme)
  /loop                       redirects to itself forever
  /_stats?id=NAME             "requests=R\\nbytes=B\\n"
  /_headers?id=NAME           the last request's headers, one per line
  /_ranges?id=NAME            one line per file request of NAME, in order:
                              "FIRST SENT DONE AGENT" - the body's first
                              byte offset, the body bytes written to the
                              socket so far, 1 once the server is done with
                              it (0 while it may still write), and the
                              request's User-Agent (spaces as "_")
  /_reset?id=NAME             forgets NAME's counters (every id's without
                              id=): tests sharing the server reset only
                              their own
"""

import argparse
import calendar
import email.utils
import hashlib
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHANGED_XOR = bytes(b ^ 0x5A for b in range(256))
CHUNK = 64 * 1024


class Stats:
    """Per-id counters shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}
        self.bytes = {}
        self.headers = {}
        self.ranges = {}

    def reset(self, ident=None):
        with self.lock:
            for table in (self.requests, self.bytes, self.headers, self.ranges):
                if ident is None:
                    table.clear()
                else:
                    table.pop(ident, None)

    def begin(self, ident, headers):
        """Counts a request; returns its 1-based number for the id."""
        with self.lock:
            n = self.requests.get(ident, 0) + 1
            self.requests[ident] = n
            self.headers[ident] = headers
            return n

    def add_bytes(self, ident, n, body_range=None):
        with self.lock:
            self.bytes[ident] = self.bytes.get(ident, 0) + n
            if body_range is not None:
                body_range[1] += n

    def open_range(self, ident, first, agent):
        """Starts the record of one response body: [first, sent, done, agent]."""
        with self.lock:
            record = [first, 0, 0, agent]
            self.ranges.setdefault(ident, []).append(record)
            return record

    def close_range(self, record):
        with self.lock:
            record[2] = 1

    def report_ranges(self, ident):
        with self.lock:
            return "".join("%d %d %d %s\n" % tuple(r) for r in self.ranges.get(ident, []))

    def report(self, ident):
        with self.lock:
            return "requests=%d\nbytes=%d\n" % (
                self.requests.get(ident, 0), self.bytes.get(ident, 0))

    def last_headers(self, ident):
        with self.lock:
            return self.headers.get(ident, "")


class Resource:
    """One file as this request sees it: original or changed content."""

    def __init__(self, path, changed, resize=0, keep_validators=False):
        st = os.stat(path)
        self.path = path
        self.stored_size = st.st_size
        self.size = max(0, st.st_size + resize) if changed else st.st_size
        self.changed = changed
        shows_change = changed and not keep_validators
        mtime = int(st.st_mtime) + (1000 if shows_change else 0)
        tag = "%x-%x%s" % (st.st_size if keep_validators else self.size,
                           st.st_mtime_ns, "-changed" if shows_change else "")
        self.etag = '"%s"' % hashlib.sha1(tag.encode()).hexdigest()[:20]
        self.last_modified = email.utils.formatdate(mtime, usegmt=True)

    def chunks(self, first, last):
        """Yields the bytes [first, last] in pieces."""
        left = last - first + 1
        with open(self.path, "rb") as f:
            f.seek(first)
            while left > 0:
                data = f.read(min(CHUNK, left))
                if not data:
                    break
                left -= len(data)
                yield data.translate(CHANGED_XOR) if self.changed else data
        # A resource resized to more than the stored file goes on past it.
        while left > 0 and self.size > self.stored_size:
            n = min(CHUNK, left)
            left -= n
            yield bytes([0x5A]) * n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ycdl-faultserver"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s\n" % (fmt % args))

    # ------------------------------------------------------------ helpers

    def param(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def int_param(self, name, default=0):
        try:
            return int(self.param(name, default))
        except (TypeError, ValueError):
            return default

    def send_simple(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() == "content-type" for name, _ in headers):
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_raw_header(self, name, value):
        """A header written byte for byte (hostile values included)."""
        line = ("%s: %s\r\n" % (name, value)).encode("latin-1", "replace")
        self._headers_buffer.append(line)

    def reset_connection(self):
        """Ends the connection with a TCP RST, as a crashed peer would."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    # ------------------------------------------------------------ routing

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        path = urllib.parse.unquote(parsed.path)
        if path == "/_stats":
            return self.send_simple(200, self.server.stats.report(self.param("id", "")).encode())
        if path == "/_headers":
            return self.send_simple(200, self.server.stats.last_headers(self.param("id", "")).encode())
        if path == "/_ranges":
            return self.send_simple(200, self.server.stats.report_ranges(self.param("id", "")).encode())
        if path == "/_reset":
            self.server.stats.reset(self.param("id"))
            return self.send_simple(200, b"reset\n")
        ident = self.param("id", path)
        self.nth = self.server.stats.begin(ident, str(self.headers))
        self.ident = ident
        if path.startswith("/redirect/"):
            return self.redirect_chain(path)
        if path == "/redirect-to":
            return self.send_simple(302, b"", [("Location", self.param("url", "/"))])
        if path == "/loop":
            return self.send_simple(302, b"", [("Location", "/loop")])
        if self.injected_failure() or self.hung_up() or self.expired() or \
                self.error_page():
            return
        self.serve_file(path)

    def redirect_chain(self, path):
        try:
            left = int(path.rsplit("/", 1)[1])
        except ValueError:
            return self.send_simple(400, b"bad hop count\n")
        code = self.int_param("code", 302)
        target = self.param("to", "/")
        if left > 0:
            target = "/redirect/%d?%s" % (left - 1, urllib.parse.urlencode(
                {"to": target, "code": code}))
        self.send_simple(code, b"", [("Location", target)])

    def injected_failure(self):
        status = self.int_param("always", 0)
        first = self.int_param("fail_at", 1)
        if not status and first <= self.nth < first + self.int_param("fail", 0):
            status = self.int_param("status", 503)
        if not status:
            return False
        headers = []
        if self.param("retry_after"):
            headers.append(("Retry-After", self.param("retry_after")))
        self.send_simple(status, b"injected failure\n", headers)
        return True

    def expired(self):
        """A presigned URL past its time answers 403, as S3 does."""
        date, lasts = self.param("X-Amz-Date"), self.param("X-Amz-Expires")
        if not date or not lasts:
            return False
        try:
            signed = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
            left = signed + int(lasts) - time.time()
        except ValueError:
            left = -1
        if left > 0:
            return False
        self.send_simple(403, b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
                         b"<Message>Request has expired</Message></Error>",
                         [("Content-Type", "application/xml")])
        return True

    def error_page(self):
        """html_from=K: a 200 that is not the file."""
        first = self.int_param("html_from", 0)
        if first <= 0 or self.nth < first:
            return False
        page = (b"<!DOCTYPE html>\n<html><head><title>Access denied</title></head>"
                b"<body><h1>Access denied</h1><p>You do not have permission to "
                b"access this resource.</p></body></html>\n")
        self.send_simple(200, page, [("Content-Type", "text/html; charset=utf-8")])
        return True

    def hung_up(self):
        """hang=SEC: the request was read; the answer never comes."""
        seconds = self.int_param("hang", 0)
        first = self.int_param("hang_at", 1)
        count = self.int_param("hangs", 1 << 62)
        if seconds <= 0 or not first <= self.nth < first + count:
            return False
        time.sleep(seconds)
        self.close_connection = True
        return True

    def send_filler_headers(self):
        """big_headers / big_header: an oversized header block."""
        total = self.int_param("big_headers", 0)
        for i in range((total + 999) // 1000):
            self.send_raw_header("X-Filler-%d" % i, "f" * (1000 - len("X-Filler-%d: \r\n" % i)))
        if self.int_param("big_header", 0) > 0:
            self.send_raw_header("X-Big", "b" * self.int_param("big_header", 0))

    # ------------------------------------------------------------ files

    def serve_file(self, path):
        local = os.path.realpath(os.path.join(self.server.www, path.lstrip("/")))
        if not local.startswith(self.server.www + os.sep) or not os.path.isfile(local):
            return self.send_simple(404, b"not found\n")
        changed = 0 < self.int_param("change_after", 0) < self.nth
        res = Resource(local, changed, self.int_param("resize", 0),
                       bool(self.param("keep_validators")))
        if self.param("bad_chunk"):
            return self.send_bad_chunks(res)
        if self.param("chunked") and not self.headers.get("Range"):
            return self.send_chunked(res)
        status, first, last, content_range = self.choose_range(res)
        if status == 416:
            return self.send_simple(416, b"", [("Content-Range", "bytes */%d" % res.size)])
        if status == 206 and self.param("ok_with_range"):
            status = 200
        self.send_response(status)
        self.send_validators(res)
        if not self.refuses_ranges():
            self.send_header("Accept-Ranges", "bytes")
        if content_range:
            self.send_header("Content-Range", content_range)
        if self.param("cd") is not None:
            self.send_raw_header("Content-Disposition", self.param("cd"))
        self.send_filler_headers()
        content_type = self.param("type", "application/octet-stream")
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(last - first + 1 + self.int_param("lie_length", 0)))
        self.end_headers()
        if self.command != "HEAD":
            self.send_body(res.chunks(first, last), first=first)

    def refuses_ranges(self):
        first = self.int_param("norange_from", 0)
        return bool(self.param("norange")) or (first > 0 and self.nth >= first)

    def send_validators(self, res):
        if self.param("no_validators"):
            return
        if self.param("weak_etag"):
            self.send_header("ETag", "W/" + res.etag)
        else:
            self.send_header("ETag", res.etag)
        self.send_header("Last-Modified", res.last_modified)

    def if_range_matches(self, res):
        value = self.headers.get("If-Range")
        if value is None or self.param("ignore_if_range"):
            return True
        if value.startswith('"'):
            return not self.param("weak_etag") and value == res.etag
        return value == res.last_modified

    def choose_range(self, res):
        """(status, first, last, Content-Range or None) for this request."""
        whole = (200, 0, res.size - 1, None)
        if self.param("full_with_cr"):
            return (200, 0, res.size - 1, "bytes 0-%d/%d" % (res.size - 1, res.size))
        spec = self.headers.get("Range")
        if not spec or self.refuses_ranges() or not spec.startswith("bytes="):
            return whole
        try:
            first_s, last_s = spec[6:].split("-", 1)
            first = int(first_s)
            last = int(last_s) if last_s else res.size - 1
        except ValueError:
            return whole
        if not self.if_range_matches(res):
            return whole
        if first >= res.size:
            return (416, 0, -1, None)
        last = min(last, res.size - 1)
        if self.param("wrong_range"):
            first, last = 0, res.size - 1
        # A well-formed header that lies: it names other bytes than sent.
        shown_first = min(first + self.int_param("cr_start_off", 0), last)
        total = res.size + self.int_param("cr_total_off", 0)
        return (206, first, last, "bytes %d-%d/%d" % (shown_first, last, total))

    def send_chunked(self, res):
        self.send_response(200)
        self.send_validators(res)
        if not self.refuses_ranges():
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        stall = self.int_param("stall_before_end", 0) if self.nth == 1 else 0

        def framed():
            for data in res.chunks(0, res.size - 1):
                yield b"%x\r\n" % len(data) + data + b"\r\n"
            if stall:
                self.wfile.flush()
                time.sleep(stall)
            yield b"0\r\n\r\n"
        self.send_body(framed(), count=False)
        self.server.stats.add_bytes(self.ident, res.size)

    def send_bad_chunks(self, res):
        """bad_chunk=KIND: good chunks, then a chunk size no parser may take."""
        self.send_response(200)
        self.send_validators(res)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        good = min(self.int_param("bad_chunk_after", 65536), res.size)
        bad = {"overflow": b"1" * 17, "negative": b"-1", "nonhex": b"zz"}.get(
            self.param("bad_chunk"), b"zz")

        def framed():
            for data in res.chunks(0, good - 1) if good > 0 else ():
                yield b"%x\r\n" % len(data) + data + b"\r\n"
            yield bad + b"\r\n" + b"x" * 64 + b"\r\n0\r\n\r\n"
        self.send_body(framed(), count=False)
        self.server.stats.add_bytes(self.ident, good)
        self.close_connection = True

    def send_body(self, pieces, count=True, first=None):
        """Writes the body at the asked rate, with this request's faults;
        with first (the body's offset in the file) it is recorded for
        /_ranges."""
        agent = self.headers.get("User-Agent", "-").replace(" ", "_") or "-"
        body_range = None
        if first is not None:
            body_range = self.server.stats.open_range(self.ident, first, agent)
        try:
            self.send_body_pieces(pieces, count, body_range)
        finally:
            if body_range is not None:
                self.server.stats.close_range(body_range)

    def send_body_pieces(self, pieces, count, body_range):
        first_request = self.nth == 1
        rate = self.int_param("rate", 0)
        reset_after = self.int_param("reset_after", -1) \
            if self.nth == self.int_param("reset_at", 1) else -1
        short = self.int_param("short", -1) if first_request else -1
        stalling = self.nth <= self.int_param("stall_requests", 1)
        stall_after = self.int_param("stall_after", -1) if stalling else -1
        if self.param("cut") is not None:
            short = max(0, self.int_param("cut", 0) +
                        (self.nth - 1) * self.int_param("cut_step", 0))
        lie = self.int_param("lie_length", 0) > 0
        sent = 0
        started = time.monotonic()
        try:
            for data in pieces:
                for piece in self.split_for_rate(data, rate):
                    cut = min(x for x in (reset_after, short, stall_after, 1 << 62) if x >= 0)
                    if sent + len(piece) > cut:
                        piece = piece[:cut - sent]
                    if piece:
                        self.wfile.write(piece)
                        sent += len(piece)
                        if count:
                            self.server.stats.add_bytes(self.ident, len(piece), body_range)
                    if sent == reset_after:
                        return self.reset_connection()
                    if sent == short:
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    if sent == stall_after:
                        self.wfile.flush()
                        time.sleep(self.int_param("stall", 30))
                        self.close_connection = True
                        return
                    if rate > 0:
                        ahead = sent / rate - (time.monotonic() - started)
                        if ahead > 0:
                            time.sleep(ahead)
            if lie:
                # The body ends short of its Content-Length: the client
                # must not wait for bytes that never come.
                self.wfile.flush()
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    @staticmethod
    def split_for_rate(data, rate):
        """Slices small enough that a throttled body flows smoothly."""
        step = max(1024, min(CHUNK, rate // 20)) if rate > 0 else len(data) or 1
        for i in range(0, len(data), step):
            yield data[i:i + step]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class Server6(Server):
    address_family = socket.AF_INET6


class TlsServer(Server):
    """HTTPS on the same handler; the handshake happens in the request's
    own thread, so a client that stalls it never blocks the others."""

    def __init__(self, address, handler, context):
        super().__init__(address, handler)
        self.context = context

    def finish_request(self, request, client_address):
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()


def write_port(path, server):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, path)


def serve_in_background(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--www", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--port2-file", help="also listen on a second port; write it here")
    ap.add_argument("--port6-file", help="also listen on [::1]; write the port here")
    ap.add_argument("--tls-port-file", help="also listen for HTTPS; write the port here")
    ap.add_argument("--tls-cert", help="the HTTPS listener's certificate (PEM)")
    ap.add_argument("--tls-key", help="the HTTPS listener's key (PEM)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    stats = Stats()
    servers = [Server(("127.0.0.1", args.port), Handler)]
    if args.port2_file:
        servers.append(Server(("127.0.0.1", 0), Handler))
    if args.port6_file:
        servers.append(Server6(("::1", 0), Handler))
    if args.tls_port_file:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        servers.append(TlsServer(("127.0.0.1", 0), Handler, context))
    for server in servers:
        server.www = os.path.realpath(args.www)
        server.stats = stats
        server.verbose = args.verbose
    # The extra ports first: the main port file is what starters wait for.
    extra = [args.port2_file] if args.port2_file else []
    extra += [args.port6_file] if args.port6_file else []
    extra += [args.tls_port_file] if args.tls_port_file else []
    for path, server in zip(extra, servers[1:]):
        write_port(path, server)
        serve_in_background(server)
    if args.port_file:
        write_port(args.port_file, servers[0])
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
