"""testbed.py - what every benchmark needs before it measures anything: the
sizes, a Release build with the API driver, the test servers, and the files
they serve (with their SHA-256s, to check every download against)."""

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

MIB = 1 << 20

SIZES = {
    "full": {"big": 1024 * MIB, "small_count": 10000, "small": 16 * 1024,
             "tasks": 100000, "groups": 1000, "kill_rate": 200 * MIB, "kill_at": 0.4,
             "w6": 64 * MIB, "w6cg": 4 * MIB,
             "rt_tasks": 1000, "rt_calls": 5000, "rss_clients": 16,
             "idle_tasks": 1000, "idle_seconds": 10, "soak_files": 2000, "soak_rounds": 12,
             "seg_connections": 8, "seg_rate": 25 * MIB,
             "million": 1000000, "million_finish": 10000},
    "smoke": {"big": 8 * MIB, "small_count": 200, "small": 16 * 1024,
              "tasks": 2000, "groups": 20, "kill_rate": 16 * MIB, "kill_at": 0.4,
              "w6": 256 * 1024, "w6cg": 64 * 1024,
              "rt_tasks": 100, "rt_calls": 200, "rss_clients": 4,
              "idle_tasks": 100, "idle_seconds": 1, "soak_files": 100, "soak_rounds": 2,
              "seg_connections": 4, "seg_rate": 2 * MIB,
              "million": 2000, "million_finish": 200},
}

TOOLS = ("cmake", "cc", "pkg-config", "curl", "aria2c", "nginx", "python3", "openssl")


TMPFS = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


def scratch_dir(requested, parent, prefix):
    """The folder asked for, emptied; else a new one of our own, so that two
    benchmarks on one machine never wipe each other's files."""
    if not requested:
        return tempfile.mkdtemp(prefix=prefix, dir=parent)
    path = os.path.abspath(requested)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


class Bench:
    """Where things are, how big and how often: what every workload needs."""

    def __init__(self, args):
        self.smoke = args.smoke
        self.only = getattr(args, "only", None)
        self.sizes = SIZES["smoke" if args.smoke else "full"]
        self.runs = 1 if args.smoke else args.runs
        self.runs_slow = 1 if args.smoke else max(1, min(args.runs, 3))
        self.warmup = 0 if args.smoke else 1
        self.tmp = scratch_dir(args.dir, TMPFS, "ycdl-bench-")
        skip_disk = args.smoke or args.no_disk or (
            self.only and "many_small_files_disk" not in self.only and
            "soak" not in self.only)
        self.disk = None if skip_disk else scratch_dir(args.disk_dir, "/var/tmp",
                                                       "ycdl-bench-disk-")
        self.build = os.path.join(ROOT, "build-bench")
        self.ycdl = os.path.join(self.build, "cli", "ycdl")
        self.driver = os.path.join(self.build, "ycdl-bench")
        self.servers = {}
        self.data = {}

    def url(self, path):
        return self.servers["NGINX_URL"] + path

    @staticmethod
    def json(text):
        return json.loads(text.strip().splitlines()[-1])

    @staticmethod
    def have(tool):
        return shutil.which(tool) is not None


# ------------------------------------------------------------------ setup

def check_tools():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if not os.access("/usr/bin/time", os.X_OK):
        missing.append("/usr/bin/time (Debian package time)")
    if missing:
        sys.exit("bench/run: missing %s; run scripts/install-deps" % ", ".join(missing))


def build(b):
    """A Release core with debug info (-g changes no code, but lets a
    profile name functions), the ycdl program, and the API driver."""
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(["cmake", "-S", ROOT, "-B", b.build, "-DCMAKE_BUILD_TYPE=Release",
                    "-DCMAKE_C_FLAGS=-g", "-DYCDL_BUILD_TESTS=OFF"], check=True, **quiet)
    subprocess.run(["cmake", "--build", b.build, "-j", "2"], check=True, **quiet)
    libs = subprocess.run(["pkg-config", "--libs", "libprotobuf-c"], check=True,
                          capture_output=True, text=True).stdout.split()
    subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-O2", "-g", "-Wall", "-Wextra",
                    "-pthread", "-I", os.path.join(ROOT, "libycdl", "include"),
                    "-I", os.path.join(b.build, "proto"),
                    os.path.join(HERE, "ycdl_bench.c"), os.path.join(HERE, "ycdl_bench_shared.c"),
                    os.path.join(HERE, "ycdl_bench_idle.c"),
                    os.path.join(HERE, "ycdl_bench_million.c"),
                    "-o", b.driver, "-L", b.build, "-lycdl", "-Wl,-rpath," + b.build] + libs,
                   check=True)


def start_servers(b):
    directory = os.path.join(b.tmp, "servers")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "servers", "testservers.py"),
                    "start", "--dir", directory], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(directory, "servers.env")) as f:
        b.servers = dict(line.strip().split("=", 1) for line in f if "=" in line)


def stop_servers(b):
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "servers", "testservers.py"),
                    "stop", "--dir", os.path.join(b.tmp, "servers")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_random(path, size):
    """Random bytes (nothing compresses or dedups them); returns SHA-256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for done in range(0, size, 4 * MIB):
            block = os.urandom(min(4 * MIB, size - done))
            h.update(block)
            f.write(block)
    return h.hexdigest()


def link_copies(www, folder, target, count):
    """count URLs for one file: distinct tasks without count times the disk."""
    os.makedirs(os.path.join(www, folder))
    for i in range(count):
        os.symlink(os.path.join("..", target), os.path.join(www, folder, "%02d.bin" % i))


def make_data(b):
    www, s = b.servers["WWW_DIR"], b.sizes
    b.data["big"] = write_random(os.path.join(www, "big.bin"), s["big"])
    os.makedirs(os.path.join(www, "small"))
    b.data["small"] = []
    for i in range(s["small_count"]):
        block = os.urandom(s["small"])
        with open(os.path.join(www, "small", "%05d.bin" % i), "wb") as f:
            f.write(block)
        b.data["small"].append(hashlib.sha256(block).hexdigest())
    with open(os.path.join(www, "same.bin"), "wb") as f:
        f.write(os.urandom(s["small"]))     # every name under /same/ (nginx)
    for name in ("w6", "w6cg"):
        b.data[name] = write_random(os.path.join(www, name + ".bin"), s[name])
        link_copies(www, name, name + ".bin", 16)


def machine():
    def first(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
            return out.strip().splitlines()[0] if out.strip() else "?"
        except OSError:
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
        "curl": first(["curl", "--version"]), "aria2c": first(["aria2c", "--version"]),
        "nginx": subprocess.run(["nginx", "-v"], capture_output=True,
                                text=True).stderr.strip(),
        "ycdl": first([os.path.join(ROOT, "build-bench", "cli", "ycdl"), "--version"]),
        "commit": first(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
        "dirty": bool(subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                      "--untracked-files=no"],
                                     capture_output=True, text=True).stdout.strip()),
    }
