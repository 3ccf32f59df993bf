#!/usr/bin/env python3
"""testservers.py - starts and stops the servers every test talks to.

  testservers.py start --dir DIR   nginx (HTTP, and HTTPS with HTTP/2) and the
                                   fault server on free 127.0.0.1 ports, both
                                   serving DIR/www; writes DIR/servers.env
  testservers.py stop --dir DIR    stops them

servers.env holds shell-style lines the tests read:
  NGINX_URL, NGINX_TLS_URL, FAULT_URL, WWW_DIR, CA_FILE, NGINX_ACCESS_LOG,
  PROXY_URL (nginx as a forward proxy for http://), PROXY_LOG, PINNED_KEY
  (curl's sha256// pin of the HTTPS certificate's public key),
  FAULT_URL2 (the fault server on a second port), FAULT_URL6 (on [::1]) and
  FAULT_TLS_URL (the
  fault server over HTTPS, certificate from CA_FILE), both sharing the fault
  server's counters; and HTTPS listeners of nginx with bad certificates:
  NGINX_EXPIRED_URL (signed by CA_FILE, expired in 2020),
  NGINX_WRONG_HOST_URL (signed by CA_FILE for wrong-host.invalid only),
  NGINX_SELF_SIGNED_URL (signed by nobody; SELF_SIGNED_CERT is that very
  certificate, the only CA file that makes it trusted)

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
    # combined, plus the connection's serial number: tests count how many
    # connections a run opened
    log_format ycdl '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" conn=$connection';
    access_log {dir}/nginx/access.log ycdl;
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
        # One file under every name: a million distinct URLs (bench/).
        location /same/ {{ try_files /same.bin =404; }}
    }}
    # The same files behind certificates a client must refuse.
    server {{
        listen 127.0.0.1:{expired_port} ssl;
        ssl_certificate {dir}/tls/expired.crt;
        ssl_certificate_key {dir}/tls/expired.key;
        root {www};
    }}
    server {{
        listen 127.0.0.1:{wrong_host_port} ssl;
        ssl_certificate {dir}/tls/wrong-host.crt;
        ssl_certificate_key {dir}/tls/wrong-host.key;
        root {www};
    }}
    server {{
        listen 127.0.0.1:{self_signed_port} ssl;
        ssl_certificate {dir}/tls/self-signed.crt;
        ssl_certificate_key {dir}/tls/self-signed.key;
        root {www};
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


# `openssl ca` is the one OpenSSL 3.0 tool that can backdate a certificate.
CA_CONF = """\
[ ca ]
default_ca = test_ca
[ test_ca ]
database = {tls}/index.txt
new_certs_dir = {tls}/issued
serial = {tls}/bad-certs.serial
default_md = sha256
policy = any_name
unique_subject = no
[ any_name ]
commonName = supplied
[ server_ext ]
subjectAltName = {san}
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
"""


def new_key_and_csr(tls, name, cn):
    key, csr = os.path.join(tls, name + ".key"), os.path.join(tls, name + ".csr")
    run_quiet(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn])
    return csr


def sign_with_ca(tls, name, san, start, end):
    """name.crt for name.csr, signed by the test CA, valid from start to end
    (YYYYMMDDHHMMSSZ) for the subjectAltName san."""
    conf = os.path.join(tls, name + ".cnf")
    os.makedirs(os.path.join(tls, "issued"), exist_ok=True)
    open(os.path.join(tls, "index.txt"), "a").close()
    if not os.path.exists(os.path.join(tls, "bad-certs.serial")):
        with open(os.path.join(tls, "bad-certs.serial"), "w") as f:
            f.write("1000\n")
    with open(conf, "w") as f:
        f.write(CA_CONF.format(tls=tls, san=san))
    run_quiet(["openssl", "ca", "-batch", "-notext", "-config", conf,
               "-cert", os.path.join(tls, "ca.crt"), "-keyfile", os.path.join(tls, "ca.key"),
               "-in", os.path.join(tls, name + ".csr"), "-out", os.path.join(tls, name + ".crt"),
               "-startdate", start, "-enddate", end, "-extensions", "server_ext"])


def make_bad_certificates(tls):
    """expired.crt, wrong-host.crt (both from the test CA) and a
    self-signed self-signed.crt, each with its key."""
    new_key_and_csr(tls, "expired", "127.0.0.1")
    sign_with_ca(tls, "expired", "IP:127.0.0.1,DNS:localhost",
                 "20200101000000Z", "20200201000000Z")
    new_key_and_csr(tls, "wrong-host", "wrong-host.invalid")
    sign_with_ca(tls, "wrong-host", "DNS:wrong-host.invalid",
                 "20240101000000Z", "20990101000000Z")
    run_quiet(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:P-256", "-nodes",
               "-keyout", os.path.join(tls, "self-signed.key"),
               "-out", os.path.join(tls, "self-signed.crt"), "-days", "3650",
               "-subj", "/CN=127.0.0.1",
               "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
               "-addext", "basicConstraints=critical,CA:TRUE"])
    return os.path.join(tls, "self-signed.crt")


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
    """Starts the fault server; returns its ports: plain, second, [::1],
    HTTPS."""
    port_file = os.path.join(d, "fault.port")
    port2_file, tls_port_file = os.path.join(d, "fault2.port"), os.path.join(d, "fault-tls.port")
    port6_file = os.path.join(d, "fault6.port")
    log = open(os.path.join(d, "fault.log"), "w")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "faultserver.py"),
                             "--www", www, "--port-file", port_file,
                             "--port2-file", port2_file, "--port6-file", port6_file,
                             "--tls-port-file", tls_port_file,
                             "--tls-cert", os.path.join(d, "tls", "server.crt"),
                             "--tls-key", os.path.join(d, "tls", "server.key")],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    with open(os.path.join(d, "fault.pid"), "w") as f:
        f.write("%d\n" % proc.pid)
    wait_until(lambda: os.path.exists(port_file) or proc.poll() is not None, "the fault server")
    if proc.poll() is not None:
        raise SystemExit("testservers: the fault server exited; see %s/fault.log" % d)
    ports = []
    for path in (port_file, port2_file, port6_file, tls_port_file):
        with open(path) as f:
            ports.append(int(f.read()))
    return ports


def start_nginx(d, www):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    for sub in ("nginx/tmp", "nginx/logs"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    # Workers of a root master switch to "nobody", who may not read the
    # build tree; run them as ourselves.
    user = "user root;" if os.geteuid() == 0 else ""
    names = ("port", "tls_port", "proxy_port", "expired_port", "wrong_host_port",
             "self_signed_port")
    for _ in range(5):
        ports = {name: free_port() for name in names}
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=d, www=www, user=user, **ports))
        res = subprocess.run([nginx, "-p", os.path.join(d, "nginx"), "-c", conf,
                              "-e", os.path.join(d, "nginx/error.log")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode == 0:
            return ports
        if "Address already in use" not in res.stdout:
            raise SystemExit("testservers: nginx failed:\n" + res.stdout)
    raise SystemExit("testservers: no free ports for nginx")


def start(d):
    stop(d, quiet=True)
    os.makedirs(d, exist_ok=True)
    www = os.path.join(d, "www")
    os.makedirs(www, exist_ok=True)
    ca_file = make_certificates(os.path.join(d, "tls"))
    self_signed = make_bad_certificates(os.path.join(d, "tls"))
    fault_port, fault_port2, fault_port6, fault_tls_port = start_fault_server(d, www)
    ports = start_nginx(d, www)
    env = {
        "NGINX_URL": "http://127.0.0.1:%d" % ports["port"],
        "NGINX_TLS_URL": "https://127.0.0.1:%d" % ports["tls_port"],
        "FAULT_URL": "http://127.0.0.1:%d" % fault_port,
        "WWW_DIR": www,
        "CA_FILE": ca_file,
        "NGINX_ACCESS_LOG": os.path.join(d, "nginx", "access.log"),
        "PROXY_URL": "http://127.0.0.1:%d" % ports["proxy_port"],
        "PROXY_LOG": os.path.join(d, "nginx", "proxy.log"),
        "PINNED_KEY": pinned_key(os.path.join(d, "tls", "server.crt")),
        "FAULT_URL2": "http://127.0.0.1:%d" % fault_port2,
        "FAULT_URL6": "http://[::1]:%d" % fault_port6,
        "FAULT_TLS_URL": "https://127.0.0.1:%d" % fault_tls_port,
        "NGINX_EXPIRED_URL": "https://127.0.0.1:%d" % ports["expired_port"],
        "NGINX_WRONG_HOST_URL": "https://127.0.0.1:%d" % ports["wrong_host_port"],
        "NGINX_SELF_SIGNED_URL": "https://127.0.0.1:%d" % ports["self_signed_port"],
        "SELF_SIGNED_CERT": self_signed,
    }
    wait_until(lambda: answers(env["NGINX_URL"] + "/.probe"), "nginx")
    wait_until(lambda: answers(env["NGINX_TLS_URL"] + "/.probe", ca_file), "nginx (TLS)")
    wait_until(lambda: answers(env["FAULT_URL"] + "/_stats"), "the fault server")
    wait_until(lambda: answers(env["FAULT_URL2"] + "/_stats"), "the fault server (2nd port)")
    wait_until(lambda: answers(env["FAULT_URL6"] + "/_stats"), "the fault server ([::1])")
    wait_until(lambda: answers(env["FAULT_TLS_URL"] + "/_stats", ca_file), "the fault server (TLS)")
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
    for name in ("servers.env", "fault.port", "fault2.port", "fault-tls.port"):
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
