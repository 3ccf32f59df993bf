#!/usr/bin/env python3
"""testservers.py - starts and stops the servers every test talks to.

  testservers.py start --dir DIR   nginx (HTTP, and HTTPS with HTTP/2) and the
                                   fault server on free 127.0.0.1 ports, both
                                   serving DIR/www; writes DIR/servers.env
  testservers.py stop --dir DIR    stops them

servers.env holds shell-style lines the tests read:
  NGINX_URL, NGINX_TLS_URL, FAULT_URL, WWW_DIR, CA_FILE, NGINX_ACCESS_LOG,
  PROXY_URL (nginx as a forward proxy for http://), PROXY_LOG, PINNED_KEY
  (curl's sha256// pin of the HTTPS certificate's public key)

nginx is Debian's, run by this script with its own configuration, prefix and
logs under DIR: it never touches the system's nginx. Its `limit_rate` follows
the `rate` query parameter, so a test can make a download slow enough to
pause or kill halfway.
"""

import argparse
import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import ssl

HERE = os.path.dirname(os.path.abspath(__file__))

NGINX_CONF = """\
daemon on;
worker_processes 1;
pid {dir}/nginx/nginx.pid;
error_log {dir}/nginx/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/nginx/access.log;
    client_body_temp_path {dir}/nginx/tmp/body;
    proxy_temp_path {dir}/nginx/tmp/proxy;
    fastcgi_temp_path {dir}/nginx/tmp/fastcgi;
    uwsgi_temp_path {dir}/nginx/tmp/uwsgi;
    scgi_temp_path {dir}/nginx/tmp/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    map $arg_rate $ycdl_rate {{ "" 0; default $arg_rate; }}
    server {{
        listen 127.0.0.1:{port};
        listen 127.0.0.1:{tls_port} ssl http2;
        ssl_certificate {dir}/tls/server.crt;
        ssl_certificate_key {dir}/tls/server.key;
        root {www};
        limit_rate $ycdl_rate;
        location / {{ }}
    }}
    # A forward proxy for plain HTTP, with its own log so that tests can
    # tell that a request went through it.
    server {{
        listen 127.0.0.1:{proxy_port};
        access_log {dir}/nginx/proxy.log;
        location / {{
            proxy_pass http://$http_host$request_uri;
            proxy_buffering off;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_quiet(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_certificates(tls):
    """A private CA and a server certificate for 127.0.0.1 and localhost."""
    os.makedirs(tls, exist_ok=True)
    ca_key, ca_crt = os.path.join(tls, "ca.key"), os.path.join(tls, "ca.crt")
    key, csr, crt = (os.path.join(tls, n) for n in ("server.key", "server.csr", "server.crt"))
    ext = os.path.join(tls, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    run_quiet(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "3650",
               "-subj", "/CN=libycdl test CA"])
    run_quiet(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"])
    run_quiet(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
               "-CAcreateserial", "-out", crt, "-days", "3650", "-extfile", ext])
    return ca_crt


def pinned_key(cert):
    """curl's pin for the certificate's public key: sha256//<base64>."""
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         check=True, capture_output=True).stdout
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def wait_until(predicate, what, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit("testservers: %s did not come up" % what)


def answers(url, ca_file=None):
    try:
        ctx = ssl.create_default_context(cafile=ca_file) if ca_file else None
        with urllib.request.urlopen(url, timeout=2, context=ctx) as r:
            return r.status in (200, 404)
    except urllib.error.HTTPError as e:
        return e.code == 404
    except OSError:
        return False


def start_fault_server(d, www):
    port_file = os.path.join(d, "fault.port")
    log = open(os.path.join(d, "fault.log"), "w")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "faultserver.py"),
                             "--www", www, "--port-file", port_file],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    with open(os.path.join(d, "fault.pid"), "w") as f:
        f.write("%d\n" % proc.pid)
    wait_until(lambda: os.path.exists(port_file) or proc.poll() is not None, "the fault server")
    if proc.poll() is not None:
        raise SystemExit("testservers: the fault server exited; see %s/fault.log" % d)
    with open(port_file) as f:
        return int(f.read())


def start_nginx(d, www):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    for sub in ("nginx/tmp", "nginx/logs"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    # Workers of a root master switch to "nobody", who may not read the
    # build tree; run them as ourselves.
    user = "user root;" if os.geteuid() == 0 else ""
    for _ in range(5):
        port, tls_port, proxy_port = free_port(), free_port(), free_port()
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=d, www=www, port=port, tls_port=tls_port,
                                      proxy_port=proxy_port, user=user))
        res = subprocess.run([nginx, "-p", os.path.join(d, "nginx"), "-c", conf,
                              "-e", os.path.join(d, "nginx/error.log")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode == 0:
            return port, tls_port, proxy_port
        if "Address already in use" not in res.stdout:
            raise SystemExit("testservers: nginx failed:\n" + res.stdout)
    raise SystemExit("testservers: no free ports for nginx")


def start(d):
    stop(d, quiet=True)
    os.makedirs(d, exist_ok=True)
    www = os.path.join(d, "www")
    os.makedirs(www, exist_ok=True)
    ca_file = make_certificates(os.path.join(d, "tls"))
    fault_port = start_fault_server(d, www)
    port, tls_port, proxy_port = start_nginx(d, www)
    env = {
        "NGINX_URL": "http://127.0.0.1:%d" % port,
        "NGINX_TLS_URL": "https://127.0.0.1:%d" % tls_port,
        "FAULT_URL": "http://127.0.0.1:%d" % fault_port,
        "WWW_DIR": www,
        "CA_FILE": ca_file,
        "NGINX_ACCESS_LOG": os.path.join(d, "nginx", "access.log"),
        "PROXY_URL": "http://127.0.0.1:%d" % proxy_port,
        "PROXY_LOG": os.path.join(d, "nginx", "proxy.log"),
        "PINNED_KEY": pinned_key(os.path.join(d, "tls", "server.crt")),
    }
    wait_until(lambda: answers(env["NGINX_URL"] + "/.probe"), "nginx")
    wait_until(lambda: answers(env["NGINX_TLS_URL"] + "/.probe", ca_file), "nginx (TLS)")
    wait_until(lambda: answers(env["FAULT_URL"] + "/_stats"), "the fault server")
    with open(os.path.join(d, "servers.env"), "w") as f:
        for name, value in env.items():
            f.write("%s=%s\n" % (name, value))
    print("\n".join("%s=%s" % kv for kv in env.items()))


def is_gone(pid):
    """True once pid has exited. A zombie counts as gone: the servers are
    orphans by then, and how soon init reaps them is not ours to wait for."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def kill_pid_file(path, sig=signal.SIGTERM):
    try:
        with open(path) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    for _ in range(250):
        if is_gone(pid):
            break
        time.sleep(0.02)
    try:
        os.unlink(path)
    except OSError:
        pass


def stop(d, quiet=False):
    kill_pid_file(os.path.join(d, "fault.pid"))
    kill_pid_file(os.path.join(d, "nginx", "nginx.pid"))
    for name in ("servers.env", "fault.port"):
        try:
            os.unlink(os.path.join(d, name))
        except OSError:
            pass
    if not quiet:
        print("stopped")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=("start", "stop"))
    ap.add_argument("--dir", required=True, help="where state, logs and www live")
    args = ap.parse_args()
    d = os.path.abspath(args.dir)
    if args.action == "start":
        start(d)
    else:
        stop(d)


if __name__ == "__main__":
    main()
