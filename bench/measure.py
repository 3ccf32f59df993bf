"""measure.py - how bench/run times a command, checks what it downloaded and
reads profiles: one run under /usr/bin/time, medians, SHA-256 checks, and the
inclusive instruction counts of a callgrind profile."""

import hashlib
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time


class BenchError(Exception):
    """A tool crashed or a download came out wrong: the run is invalid."""


class Sample:
    """One run of one command: wall time, CPU, peak RSS."""

    def __init__(self, wall, user, system, rss_kib, stdout=""):
        self.wall = wall
        self.user = user
        self.system = system
        self.cpu = user + system
        self.rss_kib = rss_kib
        self.stdout = stdout


def timed(cmd, what, cwd=None, env=None):
    """Runs cmd under GNU time. Wall time comes from our own clock (time's
    %e has 10 ms steps, too coarse for half-second runs); user and system
    CPU and the peak RSS come from time, i.e. from wait4's rusage."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name] + cmd,
                              cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        fields = report.read().split()
    if proc.returncode != 0:
        raise BenchError("%s exited with %d:\n%s"
                         % (what, proc.returncode, proc.stderr[-2000:]))
    user, system, rss = fields[-3:]
    return Sample(wall, float(user), float(system), int(rss), proc.stdout)


def median(values):
    return statistics.median(values) if values else float("nan")


def summarize(samples):
    """Medians of every figure over the runs of one command."""
    return {
        "runs": len(samples),
        "wall": median([s.wall for s in samples]),
        "wall_min": min(s.wall for s in samples),
        "wall_max": max(s.wall for s in samples),
        "user": median([s.user for s in samples]),
        "system": median([s.system for s in samples]),
        "cpu": median([s.cpu for s in samples]),
        "rss_kib": median([s.rss_kib for s in samples]),
        "rss_kib_max": max(s.rss_kib for s in samples),
    }


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_file(path, expected_sha, what):
    if not os.path.isfile(path):
        raise BenchError("%s: %s is missing" % (what, path))
    actual = sha256_file(path)
    if actual != expected_sha:
        raise BenchError("%s: %s has SHA-256 %s, expected %s" % (what, path, actual,
                                                                 expected_sha))


def check_dir(directory, expected_shas, what):
    """Every tool names its files differently (ycdl uses the URL's MD5), so
    a folder is right when it holds exactly the expected multiset of
    contents."""
    names = [n for n in os.listdir(directory) if not n.endswith((".part", ".aria2"))]
    actual = sorted(sha256_file(os.path.join(directory, n)) for n in names)
    if actual != sorted(expected_shas):
        raise BenchError("%s: %d files in %s, %d expected, or contents differ"
                         % (what, len(actual), directory, len(expected_shas)))


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def load_average():
    return os.getloadavg()[0]


def busy_seconds():
    """CPU seconds all cores have spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuWindow:
    """How busy the machine was while a workload ran, and how much of that
    was the tools we ran: the rest is nginx plus whatever else shares the
    machine, which is what makes a figure noisy."""

    def __init__(self):
        self.start = time.monotonic()
        self.busy = busy_seconds()
        self.ours = self._children()

    @staticmethod
    def _children():
        t = os.times()
        return t.children_user + t.children_system

    def close(self):
        elapsed = time.monotonic() - self.start
        busy = (busy_seconds() - self.busy) / elapsed
        ours = (self._children() - self.ours) / elapsed
        return {"machine_cores_busy": round(busy, 2), "tools_cores": round(ours, 2),
                "others_cores": round(max(0.0, busy - ours), 2)}


# ------------------------------------------------------------- callgrind

# "  1,234 (12.34%)  /path/file.c:function [/path/object]"
FUNCTION_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(?:\S*:)?([^\s:]+)\s+\[")


def callgrind_inclusive(profile):
    """{function: inclusive instructions} and the program total, from
    callgrind_annotate. A function inlined everywhere has no entry; its
    cost shows under its callers."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                          "--auto=no", profile],
                         check=True, capture_output=True, text=True).stdout
    total, costs = 0, {}
    for line in out.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        m = FUNCTION_LINE.match(line)
        if m:
            name = m.group(2)
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, costs
