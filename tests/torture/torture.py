#!/usr/bin/env python3
"""torture.py - crash torture: a process downloading a mix of files is
stopped again and again, at random moments and inside chosen system calls,
and started again on the same session until every file is finished.

Each round is a fresh session downloading seven files from the fault server
(tests/servers/faultserver.py), three at a time: large and small, throttled
and not, one through a redirect chain, two from a second port (one of them
through a redirect to it). Finished files move into place by renameat2;
every other round as on a kernel without it (the shim makes it fail with
ENOSYS), by link then unlink; every third round by rename (overwrite).
Every fourth round adds two large files and checkpoints after every write,
so that its journal outgrows 4096 records and is compacted; every fifth
fetches each file over up to four connections (segments). The process is the worker (tests/torture/
worker.c), stopped by one of, chosen at random per run:

  sigkill      SIGKILL after a random delay, from a few milliseconds (inside
               session open and journal replay) to over a second
  shim:...     SIGKILL from inside a system call, by the fault shim
               (tests/faults/faultshim.c): the part file's fdatasync (a
               checkpoint), a journal write cut in half (a torn record), the
               journal's fdatasync, a part file write, the renameat2(),
               link() or rename() placing a finished file (or just after
               it), the unlink() of its .part after the link, the write,
               sync and rename of a compaction (compaction rounds)
  all-finished exit(), _exit() or SIGKILL from inside the "all tasks
               finished" event callback

Takeover rounds (--takeovers, default kills / 10): three workers run one
session at once, one owning it and two attached; the owner is SIGKILLed at
random moments, an attached worker takes the session over and a fresh one
attaches in its place. The attached workers are held still (SIGSTOP) while
the owner dies, so each kill is judged as a restart is.

With --cli, the last round is run by `ycdl get`, stopped by SIGINT and
SIGTERM instead (a clean pause: exit 130 or 143).

Asserted after every stop: the journal reads back whole (nothing
quarantined) with no task lost or duplicated, and a task once finished stays
finished; a file under its finished name is complete and byte-identical
(SHA-256), and a .part next to it can only be the same file (placement cut
between link and unlink). At the end of every round: every file
byte-identical, no .part left, every task finished exactly once (the
worker's listing, and `ycdl list` with --cli).

Bytes fetched again, from the fault server's record of every response body
(/_ranges; each run has its own User-Agent, so every body is tied to the run
that asked for it): for every task a killed run was downloading, the next
request must start at or below what was on disk after the kill ("lost" =
on disk - restart offset >= 0) and lose at most one checkpoint plus one
write callback (--checkpoint-bytes + 256 KiB); what the server had sent
beyond the disk ("in flight") is reported. After SIGINT or SIGTERM nothing
may be lost at all.

Every choice comes from one generator seeded by --seed: a failure prints the
seed, round and run, and the worker's log (a rerun with the seed repeats the
choices; the machine's timing may still differ).

  torture.py --worker W --shim S [--cli YCDL] [--kills N] [--seed N]
             [--tmp DIR] [--summary FILE]

YCDL_TORTURE_KILLS, when set, overrides --kills. YCDL_TEST_SERVERS names the
servers.env of tests/servers/testservers.py.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

CHUNK_MAX = 256 * 1024          # libycdl's largest write (CURLOPT_BUFFERSIZE)
# A resume asks for this many bytes before its offset, to compare them with
# the part file (transfer.c's RESUME_OVERLAP); from byte 0 when it holds no
# more.
OVERLAP = 64 * 1024

CHECKPOINT_BYTES = 512 * 1024
JOBS = 3
RUN_TIMEOUT = 300               # a run that ends by itself; generous
MAX_RUNS_PER_ROUND = 500


class TortureFailure(Exception):
    pass


def fail(message):
    raise TortureFailure(message)


# ------------------------------------------------------------ servers

def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            env[name] = value
    return env


def http_get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def body_ranges(fault_url, ident):
    """[(first, sent, done, agent)] for every response body of ident."""
    ranges = []
    for line in http_get("%s/_ranges?id=%s" % (fault_url, ident)).splitlines():
        first, sent, done, agent = line.split(" ", 3)
        ranges.append((int(first), int(sent), done == "1", agent))
    return ranges


def line_dest(words, at):
    """The destination in a worker line whose words from at on are the
    destination and then the URL: a name may hold spaces ("2 (1)"), a
    URL never does."""
    return " ".join(words[at:-1])


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------ workload

class File:
    """One download of a round: its bytes in www, its URL, its key."""

    def __init__(self, servers, rng, ident, size, rate, via):
        self.ident = ident
        self.name = ident + ".bin"
        self.size = size
        data = rng.randbytes(size)
        self.sha = hashlib.sha256(data).hexdigest()
        self.path = os.path.join(servers["WWW_DIR"], self.name)
        with open(self.path, "wb") as f:
            f.write(data)
        query = "id=%s" % ident + ("&rate=%d" % rate if rate else "")
        direct = "%s/%s?%s" % (servers["FAULT_URL"], self.name, query)
        other_port = "%s/%s?%s" % (servers["FAULT_URL2"], self.name, query)
        quote = urllib.parse.quote
        self.url = {
            "direct": direct,
            "chain": "%s/redirect/2?to=%s" % (servers["FAULT_URL"], quote(direct, safe="")),
            "port2": other_port,
            "port2-redirect": "%s/redirect-to?url=%s" % (servers["FAULT_URL"],
                                                        quote(other_port, safe="")),
        }[via]
        self.key = hashlib.md5(self.url.encode()).hexdigest()

    def remove(self):
        os.unlink(self.path)


def round_files(servers, rng, prefix, compacting):
    """The files of a round, sizes and rates drawn from rng: seven, and two
    more, large, for a round meant to outgrow its journal."""
    specs = [
        ("big-slow", rng.randint(5, 9) << 20, rng.choice([2, 3, 4]) * 1000000, "direct"),
        ("big-chain", rng.randint(3, 6) << 20, rng.choice([2, 3]) * 1000000, "chain"),
        ("big-fast", rng.randint(8, 16) << 20, 0, "direct"),
        ("small", rng.randint(1, 400000), 0, "direct"),
        ("small-slow", rng.randint(10000, 300000), 100000, "port2"),
        ("mid-port2", rng.randint(1, 4) << 20, 1500000, "port2-redirect"),
        ("tiny", rng.randint(1, 2000), 0, "chain"),
    ]
    if compacting:
        specs += [("huge-a", rng.randint(24, 40) << 20, 0, "direct"),
                  ("huge-b", rng.randint(24, 40) << 20, 0, "port2")]
    return [File(servers, rng, "%s-%s" % (prefix, name), size, rate, via)
            for name, size, rate, via in specs]


# ------------------------------------------------------------ how a run ends

SHIM_KILLS = [
    # (call, path pattern, action, most matching calls let through first)
    ("fdatasync", "*.part", "kill", 8),
    ("write", "*/tasks.journal", "kill-torn", 60),
    ("fdatasync", "*/tasks.journal", "kill", 6),
    ("write", "*.part", "kill", 300),
]

# How a finished file moves into place: renameat2(RENAME_NOREPLACE); link
# then unlink where the kernel lacks it (the "portable" rounds make it
# fail with ENOSYS); rename() when the task may overwrite.
PLACEMENT_KILLS = {
    "renameat2": [("renameat2", "*", "kill", 4), ("renameat2", "*", "kill-after", 4)],
    "portable": [("link", "*", "kill", 4), ("link", "*", "kill-after", 4),
                 ("unlink", "*.part", "kill", 4)],
    "overwrite": [("rename", "*", "kill", 4), ("rename", "*", "kill-after", 4)],
}
WITHOUT_RENAMEAT2 = {
    "YCDL_FAULT2_CALL": "renameat2",
    "YCDL_FAULT2_ERRNO": "ENOSYS",
    "YCDL_FAULT2_COUNT": "-1",
}

# A journal that grows past 4096 records is compacted: rewritten into
# tasks.journal.tmp and renamed over the old one.
COMPACTION_KILLS = [
    ("write", "*/tasks.journal.tmp", "kill-torn", 8),
    ("fdatasync", "*/tasks.journal.tmp", "kill", 0),
    ("rename", "*/tasks.journal.tmp", "kill", 0),
    ("rename", "*/tasks.journal.tmp", "kill-after", 0),
]


def choose_stop(rng, shim, compacting, placement):
    """(mode, environment for the shim, delay before SIGKILL)."""
    roll = rng.random()
    if roll < 0.15:
        # Kills while the session opens and replays its journal.
        return "sigkill-early", {}, rng.uniform(0.0, 0.06)
    if roll < 0.55 or not shim:
        return "sigkill", {}, rng.uniform(0.05, 1.5)
    kills = COMPACTION_KILLS if compacting and rng.random() < 0.5 else \
        SHIM_KILLS + PLACEMENT_KILLS[placement]
    call, path, action, most = rng.choice(kills)
    after = rng.randint(0, most)
    # A compaction comes once per 4096 records: give the run time to get
    # there (it ends by itself otherwise).
    late = 15.0 if kills is COMPACTION_KILLS else rng.uniform(2.0, 4.0)
    env = {
        "LD_PRELOAD": shim,
        "YCDL_FAULT_CALL": call,
        "YCDL_FAULT_PATH": path,
        "YCDL_FAULT_ACTION": action,
        "YCDL_FAULT_AFTER": str(after),
    }
    # Rarely reached calls may not happen in this run: a late timer kill
    # keeps the round moving either way.
    return "shim:%s:%s:%s" % (call, path, action), env, late


# ------------------------------------------------------------ the torture

class Round:
    """One session from its first run to every file finished."""

    may_compact = True

    def __init__(self, torture, number):
        self.t = torture
        self.number = number
        # Every fourth round checkpoints after every write, so that its
        # journal outgrows 4096 records and is compacted; the rounds take
        # turns at leaving from inside the all-finished signal.
        self.compacting = self.may_compact and number % 4 == 0
        # Every third round places its files by rename (overwrite); every
        # other one without renameat2 (by link, then unlink).
        self.placement = "overwrite" if number % 3 == 0 else \
            "portable" if number % 2 == 1 else "renameat2"
        self.leave = ["exit", "_exit", "kill", None][number % 4]
        # Every fifth round fetches each file over up to four connections
        # (segments of at least 256 KiB, written in place): a kill leaves
        # several partial segments, each resumed from its checkpoint.
        self.segmented = not self.compacting and number % 5 == 2
        self.dir = os.path.join(torture.tmp, "round-%d" % number)
        self.state = os.path.join(self.dir, "state")
        self.out = os.path.join(self.dir, "out")
        os.makedirs(self.out)
        prefix = "t%s-r%d" % (torture.nonce, number)
        self.files = round_files(torture.servers, torture.rng, prefix, self.compacting)
        self.by_key = {f.key: f for f in self.files}
        self.dests = {}             # key -> dest path, as the worker reports
        self.confirmed = set()      # keys a journal has shown to exist
        self.finished = set()       # keys that reported finished
        self.kills = []             # (run agent, {ident: bytes on disk})
        self.runs = 0

    # ------------------------------------------------------------ running

    def worker_command(self, log, agent, leave):
        cmd = [self.t.worker, "--state-dir", self.state, "--session", "torture",
               "--dir", self.out, "--log", log, "--jobs", str(JOBS),
               "--checkpoint-bytes", str(self.checkpoint_bytes()),
               "--checkpoint-ms", "1" if self.compacting else "300",
               "--retries", "10", "--retry-base-ms", "100", "--user-agent", agent]
        if leave:
            cmd += ["--on-all-finished", leave]
        if self.placement == "overwrite":
            cmd += ["--overwrite"]
        if self.segmented:
            cmd += ["--connections", "4", "--segment-min", str(256 * 1024)]
        return cmd + [f.url for f in self.files]

    def checkpoint_bytes(self):
        return 1 if self.compacting else CHECKPOINT_BYTES

    def environment(self, shim_env):
        env = {k: v for k, v in os.environ.items()
               if k != "LD_PRELOAD" and not k.startswith("YCDL_FAULT_")}
        # Killed processes cannot free what they hold; a preloaded shim
        # comes before a sanitizer's runtime.
        env["ASAN_OPTIONS"] = "detect_leaks=0:verify_asan_link_order=0"
        if self.placement == "portable" and self.t.shim:
            env.update(WITHOUT_RENAMEAT2)
            env["LD_PRELOAD"] = self.t.shim
        env.update(shim_env)
        return env

    def run_once(self):
        """Starts one run and stops it as chosen; returns True when the
        worker ended by itself with every task finished."""
        self.runs += 1
        rng = self.t.rng
        agent = "torture-r%d-run%d" % (self.number, self.runs)
        log = os.path.join(self.dir, "run-%d.log" % self.runs)
        mode, shim_env, delay = choose_stop(rng, self.t.shim, self.compacting,
                                            self.placement)
        leave = self.leave
        self.context = "round %d run %d (%s%s)" % (
            self.number, self.runs, mode, ", all-finished " + leave if leave else "")
        with open(log, "w") as f:      # the worker appends its lines
            f.write("torture-run %s after=%s delay=%.3f %s\n" % (
                mode, shim_env.get("YCDL_FAULT_AFTER", "-"), delay, self.placement))
        code, timed_out = self.start_and_stop(self.worker_command(log, agent, leave),
                                              self.environment(shim_env), delay, log)
        lines = self.read_log(log)
        self.check_run(lines, log)
        self.check_files(log)
        in_signal = leave is not None and self.saw(lines, "all_finished")
        if code == -signal.SIGKILL:
            self.t.count_kill("all-finished-kill" if in_signal and not timed_out else
                              "sigkill-late" if timed_out and mode.startswith("shim") else
                              mode)
            self.record_disk(agent)
            return False
        if code != 0:
            fail("%s: the worker exited with %s\n%s" % (self.context, code, self.show(log)))
        if in_signal and not self.saw(lines, "exit 0"):
            self.t.count_stop("all-finished-" + leave)
        return self.saw(lines, "exit 0")

    def start_and_stop(self, command, env, delay, log):
        """Runs command, SIGKILLs it after delay seconds unless it ended;
        returns (exit code, whether it was killed here)."""
        with open(log + ".stderr", "w") as stderr:
            proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                    stderr=stderr)
            timed_out = False
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                timed_out = True
        self.check_stderr(log)
        return proc.returncode, timed_out

    # ------------------------------------------------------------ judging

    @staticmethod
    def read_log(log):
        try:
            with open(log) as f:
                return [line.rstrip("\n") for line in f]
        except FileNotFoundError:
            return []

    @staticmethod
    def saw(lines, prefix):
        return any(line.startswith(prefix) for line in lines)

    @staticmethod
    def show(log):
        text = "---- %s\n" % log
        try:
            with open(log) as f:
                text += f.read()
            with open(log + ".stderr") as f:
                text += "---- stderr\n" + f.read()
        except FileNotFoundError:
            pass
        return text

    def check_stderr(self, log):
        with open(log + ".stderr", errors="replace") as f:
            text = f.read()
        for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
            if marker in text:
                fail("%s: the sanitizer reported\n%s" % (self.context, self.show(log)))

    def check_run(self, lines, log):
        """The journal read back whole; no task lost, duplicated or
        unfinished after it finished; no failure and no restart."""
        listed = {"task": set(), "final": set()}
        known_before = set(self.confirmed)
        for line in lines:
            words = line.split(" ")
            if words[0] == "restored":
                self.check_restored(int(words[1]), int(words[2]), known_before, log)
            elif words[0] in ("task", "final"):
                self.check_listed(words, listed, log)
            elif words[0] == "added":
                self.dests[words[1]] = line_dest(words, 2)
                self.confirmed.add(words[1])
            elif words[0] == "finished":
                self.check_finished_event(words[1], words[3])
            elif words[0] in ("failed", "open-failed", "start-failed", "add-failed",
                              "undecodable-event", "restarted"):
                fail("%s: %s\n%s" % (self.context, line, self.show(log)))
        if self.saw(lines, "task-end "):
            missing = known_before - listed["task"]
            if missing:
                fail("%s: tasks lost: %s\n%s" % (self.context, sorted(missing),
                                                  self.show(log)))
        self.confirmed |= listed["task"] | listed["final"]

    def check_restored(self, found, quarantined, known_before, log):
        if quarantined:
            fail("%s: %d records quarantined\n%s" % (self.context, quarantined,
                                                     self.show(log)))
        if found < len(known_before) or found > len(self.files):
            fail("%s: %d tasks restored, %d known before\n%s" % (
                self.context, found, len(known_before), self.show(log)))

    def check_listed(self, words, listed, log):
        kind, key, status, dest = words[0], words[1], words[2], line_dest(words, 5)
        if key not in self.by_key:
            fail("%s: unknown task %s\n%s" % (self.context, key, self.show(log)))
        if key in listed[kind]:
            fail("%s: task %s listed twice\n%s" % (self.context, key, self.show(log)))
        listed[kind].add(key)
        self.dests[key] = dest
        if key in self.finished and status != "finished":
            fail("%s: finished task %s came back %s\n%s" % (self.context, key, status,
                                                            self.show(log)))

    def check_finished_event(self, key, sha):
        if sha != self.by_key[key].sha:
            fail("%s: %s finished with SHA-256 %s, expected %s" % (
                self.context, key, sha, self.by_key[key].sha))
        self.finished.add(key)

    def check_files(self, log):
        """A finished name holds the whole file; a .part beside it can only
        be the same file, between link and unlink."""
        for key, dest in self.dests.items():
            part = dest + ".part"
            if os.path.islink(dest) or os.path.islink(part):
                fail("%s: a symbolic link at %s" % (self.context, dest))
            if not os.path.exists(dest):
                continue
            if self.t.sha256_cached(dest) != self.by_key[key].sha:
                fail("%s: %s holds other bytes than %s\n%s" % (
                    self.context, dest, self.by_key[key].url, self.show(log)))
            if os.path.exists(part) and os.stat(part).st_ino != os.stat(dest).st_ino:
                fail("%s: %s and its .part are different files" % (self.context, dest))

    def record_disk(self, agent):
        """After a kill: every task's bytes on disk, for the accounting."""
        on_disk = {}
        for f in self.files:
            dest = self.dests.get(f.key)
            if dest and os.path.exists(dest):
                on_disk[f.ident] = f.size
            elif dest and os.path.exists(dest + ".part"):
                on_disk[f.ident] = os.path.getsize(dest + ".part")
        self.kills.append((agent, on_disk))

    # ------------------------------------------------------------ the end

    def finish(self):
        for _ in range(MAX_RUNS_PER_ROUND):
            if self.run_once():
                break
        else:
            fail("round %d: not finished after %d runs" % (self.number, MAX_RUNS_PER_ROUND))
        self.verify_end()
        self.account()
        self.clean()

    def verify_end(self):
        log = os.path.join(self.dir, "verify.log")
        subprocess.run([self.t.worker, "--state-dir", self.state, "--session", "torture",
                        "--dir", self.out, "--log", log, "--no-start"],
                       env=self.environment({}), check=True)
        lines = self.read_log(log)
        tasks = [l.split(" ") for l in lines if l.startswith("task ")]
        keys = [w[1] for w in tasks]
        if sorted(keys) != sorted(self.by_key) or len(set(keys)) != len(keys):
            fail("round %d: tasks at the end %s, expected %s" % (self.number, keys,
                                                                 sorted(self.by_key)))
        for words in tasks:
            key, status, dest = words[1], words[2], line_dest(words, 5)
            f = self.by_key[key]
            if status != "finished" or self.t.sha256_cached(dest) != f.sha:
                fail("round %d: %s is %s with other bytes\n%s" % (self.number, dest, status,
                                                                   self.show(log)))
        strays = [n for n in os.listdir(self.out) if n.endswith(".part")]
        if strays or len(os.listdir(self.out)) != len(self.files):
            fail("round %d: left in the download folder: %s" % (
                self.number, sorted(os.listdir(self.out))))
        if self.t.cli:
            self.t.check_cli_list(self.state, "torture", self.by_key)

    def account(self):
        """Bytes lost and in flight at every kill, from the server's record."""
        ranges = {f.ident: self.t.settled_ranges(f.ident) for f in self.files}
        # A segmented file's bytes are not one prefix: what a kill lost is
        # bounded per segment (test_segments.c measures it); here its
        # rounds are judged by their files and journals alone.
        for agent, on_disk in ([] if self.segmented else self.kills):
            for f in self.files:
                mine = [r for r in ranges[f.ident] if r[3] == agent]
                later = self.later_ranges(ranges[f.ident], agent)
                if not mine or not later or f.ident not in on_disk:
                    continue        # not downloading then, or finished
                end = self.sent_up_to(mine)
                written, restart = on_disk[f.ident], resume_point(later[0][0])
                lost, in_flight = written - restart, end - written
                if -OVERLAP <= in_flight < 0 and mine[-1][0] < written:
                    in_flight = 0   # killed while it compared the overlap
                over = lost > self.checkpoint_bytes() + CHUNK_MAX
                if lost < 0 or in_flight < 0 or over:
                    fail("round %d, %s, %s: %d bytes on disk, the next request "
                         "resumed at %d, the server had sent up to %d" % (
                             self.number, agent, f.ident, written, restart, end))
                self.t.count_refetch(lost, in_flight)
        for f in self.files:
            self.t.served += sum(r[1] for r in ranges[f.ident])
            self.t.useful += f.size

    @staticmethod
    def sent_up_to(mine):
        """How far the server had sent, by a run's last request."""
        return mine[-1][0] + mine[-1][1]

    @staticmethod
    def later_ranges(ranges, agent):
        """The bodies asked for by runs after the one named agent."""
        run = int(agent.rsplit("run", 1)[1])
        return [r for r in ranges if r[3].startswith(agent.rsplit("run", 1)[0] + "run")
                and int(r[3].rsplit("run", 1)[1]) > run]

    def clean(self):
        for f in self.files:
            f.remove()
        shutil.rmtree(self.dir)


class SignalRound(Round):
    """A round run by `ycdl get`, stopped by SIGINT and SIGTERM: a clean
    pause, after which nothing may be lost."""

    may_compact = False

    def cli_command(self, agent):
        return [self.t.cli, "get", "--state-dir", self.state, "--session", "torture",
                "-d", self.out, "-j", str(JOBS), "-H", "User-Agent: " + agent] + \
            [f.url for f in self.files]

    def part_growth(self):
        total = 0
        for name in os.listdir(self.out):
            try:
                if name.endswith(".part"):
                    total += os.path.getsize(os.path.join(self.out, name))
            except FileNotFoundError:
                pass        # placed meanwhile
        return total

    def run_once(self):
        self.runs += 1
        rng = self.t.rng
        agent = "torture-r%d-run%d" % (self.number, self.runs)
        sig = rng.choice([signal.SIGINT, signal.SIGTERM])
        self.context = "round %d run %d (ycdl get, %s)" % (self.number, self.runs, sig.name)
        proc = subprocess.Popen(self.cli_command(agent), env=self.environment({}),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The signal handlers are in place once downloading began.
        before = self.part_growth()
        deadline = time.monotonic() + 60
        while proc.poll() is None and self.part_growth() == before and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            proc.wait(timeout=rng.uniform(0.05, 1.0))
        except subprocess.TimeoutExpired:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
        if proc.returncode == 0:
            return True
        if proc.returncode != 128 + sig:
            fail("%s: exit %s, expected %d\n%s%s" % (self.context, proc.returncode,
                                                     128 + sig, out, err))
        self.t.count_stop(sig.name)
        self.record_clean_stop(agent)
        self.check_files(os.path.join(self.dir, "ycdl-get"))
        return False

    def record_clean_stop(self, agent):
        """After a clean pause every byte on disk is claimed: `ycdl list`
        shows each unfinished task paused at exactly its .part's size."""
        listed = set()
        for key, status, written, dest in self.t.listing(self.state, "torture"):
            if key not in self.by_key or key in listed:
                fail("%s: unknown or duplicated task %s" % (self.context, key))
            listed.add(key)
            self.dests[key] = dest
            if status == "finished":
                continue
            part = dest + ".part"
            size = os.path.getsize(part) if os.path.exists(part) else 0
            if status != "paused" or written != size:
                fail("%s: %s is %s claiming %d bytes, %d on disk" % (
                    self.context, key, status, written, size))
        if self.confirmed - listed:
            fail("%s: tasks lost: %s" % (self.context, sorted(self.confirmed - listed)))
        self.confirmed |= listed
        self.record_disk(agent)

    def account(self):
        ranges = {f.ident: self.t.settled_ranges(f.ident) for f in self.files}
        for agent, on_disk in self.kills:
            for f in self.files:
                later = self.later_ranges(ranges[f.ident], agent)
                mine = [r for r in ranges[f.ident] if r[3] == agent]
                if not mine or not later or f.ident not in on_disk:
                    continue
                end = mine[-1][0] + mine[-1][1]
                if resume_point(later[0][0]) != on_disk[f.ident] and not (
                        later[0][0] == 0 and on_disk[f.ident] <= OVERLAP):
                    fail("round %d, %s, %s: %d bytes on disk after a clean pause, "
                         "the next request started at %d" % (
                             self.number, agent, f.ident, on_disk[f.ident], later[0][0]))
                self.t.count_refetch(0, end - on_disk[f.ident], clean=True)
        for f in self.files:
            self.t.served += sum(r[1] for r in ranges[f.ident])
            self.t.useful += f.size


class TakeoverRound(Round):
    """A round run by three workers on one session at once: one owns it, two
    are attached. The owner is killed (SIGKILL) at a random moment, an
    attached worker takes the session over and a fresh worker attaches in
    place of the dead one; KILLS times, then they all finish.

    To judge each kill as a restart is judged, the attached workers are
    stopped (SIGSTOP) just before the owner is killed and continued once
    the disk is recorded: the takeover's first request of each task must
    resume at or below the bytes on disk, and lose at most one checkpoint
    and one write. At most one living worker may ever say it owns the
    session."""

    may_compact = False
    KILLS = 2
    WORKERS = 3

    def __init__(self, torture, number):
        super().__init__(torture, number)
        self.leave = None
        self.workers = []           # [(Popen, agent, log)]
        self.killed = []            # agents, in the order they were killed

    def launch(self):
        self.runs += 1
        agent = "torture-r%d-run%d" % (self.number, self.runs)
        log = os.path.join(self.dir, "run-%d.log" % self.runs)
        with open(log, "w") as f:
            f.write("torture-run takeover-worker %d\n" % self.runs)
        stderr = open(log + ".stderr", "w")
        proc = subprocess.Popen(self.worker_command(log, agent, None),
                                env=self.environment({}), stdout=subprocess.DEVNULL,
                                stderr=stderr)
        stderr.close()
        self.workers.append((proc, agent, log))

    @staticmethod
    def role(lines):
        """What a worker's log says it is now: owner, client or None. One
        that has said its final listing is closing its session: another
        may take it over before this one is reaped, and is not a second
        owner."""
        now = None
        for line in lines:
            words = line.split(" ")
            if words[0] == "restored":
                now = "owner"
            elif words[0] == "attached":
                now = "client"
            elif words[0] == "role":
                now = words[1] if words[1] in ("owner", "client") else None
            elif words[0] in ("final-end", "exit"):
                now = None
        return now

    def owner(self):
        """The living worker that owns the session (None while nobody says
        so yet); two that say so fail the round."""
        owners = [w for w in self.workers if w[0].poll() is None and
                  self.role(self.read_log(w[2])) == "owner"]
        if len(owners) > 1:
            fail("round %d: two living workers own the session: %s" % (
                self.number, [w[1] for w in owners]))
        return owners[0] if owners else None

    def kill_owner(self):
        """SIGKILLs the owner with the others held still; False when the
        owner ended by itself first (the downloads were done)."""
        deadline = time.monotonic() + 30
        owner = self.owner()
        while owner is None and time.monotonic() < deadline:
            time.sleep(0.02)
            owner = self.owner()
        if owner is None:
            if all(w[0].poll() is not None for w in self.workers):
                return False
            fail("round %d: no worker owns the session\n%s" % (
                self.number, "".join(self.show(w[2]) for w in self.workers)))
        proc, agent, log = owner
        others = [w[0] for w in self.workers if w[0] is not proc and w[0].poll() is None]
        for p in others:
            p.send_signal(signal.SIGSTOP)
        proc.kill()
        proc.wait()
        self.context = "round %d (takeover), %s killed" % (self.number, agent)
        if proc.returncode != -signal.SIGKILL:
            for p in others:
                p.send_signal(signal.SIGCONT)
            return False        # it had ended already
        self.judge(log)
        self.check_files(log)
        self.record_disk(agent)
        self.killed.append(agent)
        for p in others:
            p.send_signal(signal.SIGCONT)
        self.t.count_kill("takeover")
        return True

    def judge(self, log):
        """A worker's log, whoever it was: no failure, nothing quarantined,
        every finished file the right bytes."""
        self.check_stderr(log)
        for line in self.read_log(log):
            words = line.split(" ")
            if words[0] == "restored" and int(words[2]) != 0:
                fail("%s: %s records quarantined\n%s" % (self.context, words[2],
                                                          self.show(log)))
            elif words[0] in ("task", "final"):
                self.dests[words[1]] = line_dest(words, 5)
                self.confirmed.add(words[1])
            elif words[0] == "added":
                self.dests[words[1]] = line_dest(words, 2)
                self.confirmed.add(words[1])
            elif words[0] == "finished":
                self.check_finished_event(words[1], words[3])
            elif words[0] in ("failed", "open-failed", "start-failed", "add-failed",
                              "undecodable-event", "restarted"):
                fail("%s: %s\n%s" % (self.context, line, self.show(log)))

    def finish(self):
        rng = self.t.rng
        for _ in range(self.WORKERS):
            self.launch()
        kills = 0
        while kills < self.KILLS:
            time.sleep(rng.uniform(0.3, 1.5))
            if not self.kill_owner():
                break
            kills += 1
            self.launch()
        takeovers = 0
        for proc, agent, log in self.workers:
            if proc.returncode is None:
                try:
                    proc.wait(timeout=RUN_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    fail("round %d (takeover): %s did not finish\n%s" % (
                        self.number, agent, self.show(log)))
                self.context = "round %d (takeover), %s" % (self.number, agent)
                self.judge(log)
                if proc.returncode != 0 or not self.saw(self.read_log(log), "exit 0"):
                    fail("%s: exit %s\n%s" % (self.context, proc.returncode, self.show(log)))
            takeovers += sum(1 for line in self.read_log(log)
                             if line.startswith("role owner"))
        if takeovers < kills:
            fail("round %d (takeover): %d owners killed, %d takeovers" % (
                self.number, kills, takeovers))
        self.verify_end()
        self.account()
        self.clean()

    def later_ranges(self, ranges, agent):
        """The bodies asked for by the workers that owned the session after
        agent was killed: any but agent and those killed before it. (The
        server lists requests as it takes them: a dead owner's last request
        may be taken late, after its successor's, and listed after them.)"""
        dead = self.killed[:self.killed.index(agent) + 1]
        return [r for r in ranges if r[3] not in dead]

    @staticmethod
    def sent_up_to(mine):
        return max(r[0] + r[1] for r in mine)


def resume_point(first):
    """The offset a request whose body starts at first resumed from (a
    request from 0 resumed at most OVERLAP bytes: counted as none)."""
    return first + OVERLAP if first > 0 else 0


class Torture:
    def __init__(self, args):
        self.worker = args.worker
        self.shim = args.shim
        self.cli = args.cli
        self.seed = args.seed
        self.rng = random.Random(args.seed)
        self.nonce = "%x" % random.SystemRandom().getrandbits(32)
        self.servers = read_env(os.environ["YCDL_TEST_SERVERS"])
        self.tmp = tempfile.mkdtemp(prefix="torture-", dir=args.tmp)
        self.kills = {}
        self.stops = {}
        self.lost = []
        self.in_flight = []
        self.clean_in_flight = []
        self.served = 0
        self.useful = 0
        self.hashes = {}

    def sha256_cached(self, path):
        """sha256_of, remembered while the file stays the same."""
        st = os.stat(path)
        stamp = (path, st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp not in self.hashes:
            self.hashes[stamp] = sha256_of(path)
        return self.hashes[stamp]

    def count_kill(self, mode):
        self.kills[mode] = self.kills.get(mode, 0) + 1

    def count_stop(self, mode):
        self.stops[mode] = self.stops.get(mode, 0) + 1

    def count_refetch(self, lost, in_flight, clean=False):
        (self.clean_in_flight if clean else self.in_flight).append(in_flight)
        if not clean:
            self.lost.append(lost)

    def total_kills(self):
        return sum(self.kills.values())

    def settled_ranges(self, ident):
        """The bodies of ident once the server is done with every one."""
        deadline = time.monotonic() + 60
        while True:
            ranges = body_ranges(self.servers["FAULT_URL"], ident)
            if all(r[2] for r in ranges) or time.monotonic() > deadline:
                return ranges
            time.sleep(0.05)

    def listing(self, state, session):
        """(key, status, bytes claimed, dest) per task, as the worker lists
        them without starting anything (`ycdl list` rounds the bytes)."""
        log = os.path.join(self.tmp, "list.log")
        if os.path.exists(log):
            os.unlink(log)
        subprocess.run([self.worker, "--state-dir", state, "--session", session,
                        "--dir", self.tmp, "--log", log, "--no-start"], check=True,
                       env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
        rows = []
        for line in Round.read_log(log):
            words = line.split(" ")
            if words[0] == "task":
                rows.append((words[1], words[2], int(words[3]), line_dest(words, 5)))
        return rows

    def check_cli_list(self, state, session, by_key):
        res = subprocess.run([self.cli, "list", "--state-dir", state, "--session", session],
                             capture_output=True, text=True, check=True)
        rows = [l.split() for l in res.stdout.splitlines() if l and not l.startswith(" ")]
        keys = [r[0] for r in rows]
        if sorted(keys) != sorted(by_key) or any(r[1] != "finished" for r in rows):
            fail("ycdl list after the round:\n%s" % res.stdout)

    def run(self, kills, signal_stops, takeovers):
        number = 0
        while self.total_kills() - self.kills.get("takeover", 0) < kills:
            number += 1
            Round(self, number).finish()
            print("round %d done: %d kills so far" % (number, self.total_kills()), flush=True)
        while self.kills.get("takeover", 0) < takeovers:
            number += 1
            TakeoverRound(self, number).finish()
            print("round %d (takeover) done: %d owners killed so far" % (
                number, self.kills.get("takeover", 0)), flush=True)
        while self.cli and sum(self.stops.get(s, 0) for s in ("SIGINT", "SIGTERM")) < signal_stops:
            number += 1
            SignalRound(self, number).finish()
            print("round %d (ycdl get) done: %s" % (number, self.stops), flush=True)

    def summary(self):
        def stats(values):
            return {"count": len(values), "max": max(values, default=0),
                    "total": sum(values)}
        return {
            "seed": self.seed,
            "kills": self.total_kills(),
            "kills_by_mode": dict(sorted(self.kills.items())),
            "clean_stops": dict(sorted(self.stops.items())),
            "bytes_useful": self.useful,
            "bytes_served": self.served,
            "bytes_fetched_again": self.served - self.useful,
            "lost_per_interrupted_task": stats(self.lost),
            "in_flight_per_interrupted_task": stats(self.in_flight),
            "in_flight_after_clean_stop": stats(self.clean_in_flight),
            "bound_per_task": CHECKPOINT_BYTES + CHUNK_MAX,
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", required=True)
    ap.add_argument("--shim")
    ap.add_argument("--cli")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--signal-stops", type=int, default=0,
                    help="SIGINT/SIGTERM stops of ycdl get (default: kills / 5, at least 10)")
    ap.add_argument("--takeovers", type=int, default=0,
                    help="owners killed while two workers are attached "
                         "(default: kills / 10, at least 4)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--summary")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    kills = int(os.environ.get("YCDL_TORTURE_KILLS", args.kills))
    signal_stops = args.signal_stops or max(10, kills // 5)
    takeovers = args.takeovers or max(4, kills // 10)
    torture = Torture(args)
    started = time.monotonic()
    print("torture: seed %d, %d kills, %d takeovers%s" % (
        args.seed, kills, takeovers,
        ", %d SIGINT/SIGTERM stops" % signal_stops if args.cli else ""), flush=True)
    try:
        torture.run(kills, signal_stops, takeovers)
    except TortureFailure as e:
        print("FAIL (seed %d; rerun: torture.py ... --seed %d): %s" % (args.seed, args.seed, e))
        print("kept for inspection: %s" % torture.tmp)
        return 1
    summary = torture.summary()
    summary["seconds"] = round(time.monotonic() - started)
    print(json.dumps(summary, indent=2))
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=2)
    shutil.rmtree(torture.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
