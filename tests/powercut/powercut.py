#!/usr/bin/env python3
"""powercut.py - power-loss torture: real downloads are cut off by a
simulated power cut, again and again, each cut followed by a restart on what
a disk would have kept; until every file is finished.

A round is a fresh session downloading a few files from the test servers
(tests/servers), three at a time, with small checkpoints, through
tests/torture/worker.c. Rounds take turns among five kinds:
  - plain: five files, small to a few MiB, some throttled;
  - segments: the same, each file over up to four connections, cut into
    segments of at least 256 KiB (the two larger ones: 2 to 16 of them),
    written in place; every segment resumes from its own checkpoint;
  - restart: the same, but the two throttled files change on the server
    after their first request (one with new validators: a resume gets the
    whole new file; one keeping them: the resumed bytes differ), so a run
    after a cut starts them again from zero: the cut may fall while the
    part file is emptied;
  - remove: the same, and each run removes a task the moment its bytes
    are all written (while its group commit is out), a later run adding it
    again; placed by rename (--overwrite);
  - compaction: 500 tiny files, every finished task removed at once, so
    the journal passes 4,096 records with few tasks and is rewritten (every
    other run: each adds all the files again); half the cuts are aimed at
    the rewrite (counted from its first call on tasks.journal.tmp), and the
    round goes on until its cuts are made. Each run of the worker has the power-cut layer
(tests/powercut/powercut.c) under it, told to cut the power before its N-th
change under the round's folder (N drawn at random up to what a whole run
makes). After the cut, the folder is rebuilt as the disk would show it
(strict POSIX: a file's bytes as of its last sync, its mode as of its last
fsync, a folder's entries as of its last sync; see docs/reliability.md,
"Power loss"), and the next run starts on it.

Asserted after every cut, on the rebuilt folder and the next run's report:
  - every file the worker was told was finished (a finished event) before
    the cut is at its name, whole, with the right SHA-256 and the mode the
    session gives finished files;
  - the journal loads: nothing quarantined (the model never damages a
    record the library synced; a power cut's unsynced tail is dropped);
  - no task claims bytes that are not on disk: a restored task's bytes are
    at most its part file's size, and a task restored as finished has its
    file;
At the end of a round: every file byte-identical (to the original or, for a
file that changed on the server, to either whole version: never a splice of
the two), no .part left (a remove round whose last run removed a task runs
once more without removing).

  powercut.py --worker W --shim S [--cuts N] [--seed N] [--tmp DIR]

YCDL_POWERCUT_CUTS, when set, overrides --cuts. YCDL_TEST_SERVERS names the
servers.env of tests/servers/testservers.py.
"""

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

JOBS = 3
CHECKPOINT_BYTES = 128 * 1024
RUN_TIMEOUT = 120
MAX_RUNS_PER_ROUND = 60
KINDS = ("plain", "remove", "compaction", "restart", "segments")
CHANGED_XOR = bytes(b ^ 0x5A for b in range(256))
COMPACTION_FILES = 500
# Calls counted from the rewrite's first: its own few, then what follows.
AIMED_CALLS = 16


class PowerCutFailure(Exception):
    pass


def fail(message):
    raise PowerCutFailure(message)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            env[name] = value
    return env


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------ the model

def snapshot(root):
    """The folder as it is now, taken as what the disk keeps before a run:
    {relpath: {name: (ino, kind)}} and {ino: (bytes, mode)}."""
    dirs, files = {}, {}
    for here, subdirs, names in os.walk(root):
        rel = os.path.relpath(here, root)
        rel = "" if rel == "." else rel
        entries = {}
        for name in subdirs + names:
            st = os.lstat(os.path.join(here, name))
            if os.path.isdir(os.path.join(here, name)) and not os.path.islink(
                    os.path.join(here, name)):
                entries[name] = (st.st_ino, "d")
            elif os.path.isfile(os.path.join(here, name)):
                entries[name] = (st.st_ino, "f")
                with open(os.path.join(here, name), "rb") as f:
                    files[st.st_ino] = (f.read(), st.st_mode & 0o7777)
        dirs[rel] = entries
    return dirs, files


def kept_state(shadow):
    """What the layer kept: {relpath: {name: (ino, kind)}}, {ino: bytes},
    {ino: mode}, and each file's bytes at the cut {ino: bytes}."""
    dirs, data, modes, now = {}, {}, {}, {}
    for name in os.listdir(shadow):
        path = os.path.join(shadow, name)
        if name.startswith("dir-"):
            with open(path) as f:
                lines = f.read().split("\n")
            entries = {}
            for line in lines[1:]:
                if line:
                    entry, ino, kind = line.split("\t")
                    entries[entry] = (int(ino), kind)
            dirs[lines[0]] = entries
        elif name.startswith("now-ino-"):
            with open(path, "rb") as f:
                now[int(name[8:])] = f.read()
        elif name.startswith("ino-") and name.endswith(".mode"):
            with open(path) as f:
                modes[int(name[4:-5])] = int(f.read().strip(), 8)
        elif name.startswith("ino-"):
            with open(path, "rb") as f:
                data[int(name[4:])] = f.read()
    return dirs, data, modes, now


def torn(kept, now, rng):
    """A file's bytes after the cut: what was synced, and of what was
    written after it, by the model's choice: nothing (strict); its length
    with zeros (the new size made it, the blocks did not: ext4's delayed
    allocation, XFS); or a part of it, its 512-byte sectors each there or
    zeros (written back in any order). Unless strict, bytes rewritten in
    place since the sync (a segmented download's positional writes fill
    holes below the end) reach the disk sector by sector, some and not
    others ("mixed" when any did)."""
    extra = len(now) - len(kept)
    shape = rng.randrange(3)
    if shape == 0:
        return kept, "strict"
    base, mixed = bytearray(kept), False
    common = min(len(kept), len(now))
    for lo in range(0, common, 512):
        hi = min(lo + 512, common)
        if now[lo:hi] != kept[lo:hi] and rng.random() < 0.5:
            base[lo:hi] = now[lo:hi]
            mixed = True
    label = "mixed" if mixed else None
    if extra <= 0:
        return bytes(base), label or "strict"
    if shape == 1:
        return bytes(base) + bytes(extra), label or "zeros"
    cut = rng.randint(1, extra)
    start = len(kept)
    tail = bytearray(now[start:start + cut])
    # Sectors of the file (aligned to its offsets) each made it or not; one
    # that did not holds what it held before: zeros past the old end.
    for sector in range(start // 512, (start + cut + 511) // 512):
        if rng.random() < 0.3:
            lo, hi = max(sector * 512, start) - start, min(sector * 512 + 512, start + cut) - start
            tail[lo:hi] = bytes(hi - lo)
    return bytes(base) + bytes(tail), label or "torn"


def rebuild(root, before, shadow, rng, shapes):
    """Replaces root by what a disk shows after the cut; counts the shapes
    the unsynced data took into shapes."""
    init_dirs, init_files = before
    kept_dirs, kept_data, kept_modes, now_data = kept_state(shadow)
    fresh = root + ".rebuilt"
    shutil.rmtree(fresh, ignore_errors=True)

    def build(rel, into):
        os.mkdir(into, 0o700)
        listing = kept_dirs.get(rel, init_dirs.get(rel, {}))
        for name, (ino, kind) in listing.items():
            path = os.path.join(into, name)
            if kind == "d":
                build(os.path.join(rel, name) if rel else name, path)
                continue
            init = init_files.get(ino)
            data = kept_data.get(ino, init[0] if init else b"")
            if ino in now_data:
                data, shape = torn(data, now_data[ino], rng)
                shapes[shape] = shapes.get(shape, 0) + 1
            mode = kept_modes.get(ino, init[1] if init else 0o600)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, mode)

    build("", fresh)
    shutil.rmtree(root)
    os.rename(fresh, root)


# ------------------------------------------------------------ a round

class File:
    def __init__(self, servers, rng, name, size, rate, change=""):
        self.name = name
        data = rng.randbytes(size)
        self.sha = hashlib.sha256(data).hexdigest()
        # What the fault server serves after the change (faultserver.py).
        self.shas = {self.sha, hashlib.sha256(data.translate(CHANGED_XOR)).hexdigest()} \
            if change else {self.sha}
        self.www = os.path.join(servers["WWW_DIR"], name)
        with open(self.www, "wb") as f:
            f.write(data)
        # Throttled files from the fault server, the others from nginx
        # (hundreds of tiny files a run: the fault server's pace is slow).
        query = "?rate=%d%s" % (rate, change) if rate else ""
        origin = servers["FAULT_URL"] if rate else servers["NGINX_URL"]
        self.url = "%s/%s%s" % (origin, name, query)
        # The library's default name: the key (the URL's MD5) and its extension.
        self.saved_as = hashlib.md5(self.url.encode()).hexdigest() + ".bin"


def round_files(servers, rng, prefix, kind):
    if kind == "compaction":
        specs = [("tiny%d" % i, rng.randint(1, 4000), 0, "") for i in range(COMPACTION_FILES)]
    else:
        restart = kind == "restart"
        specs = [("big-slow", rng.randint(2, 4) << 20, 4000000,
                  "&change_after=1" if restart else ""),
                 ("mid", rng.randint(300000, 900000), 0, ""),
                 ("mid-slow", rng.randint(300000, 900000), 2000000,
                  "&change_after=1&keep_validators=1" if restart else ""),
                 ("small", rng.randint(1, 100000), 0, ""),
                 ("tiny", rng.randint(1, 2000), 0, "")]
    return [File(servers, rng, "%s-%s.bin" % (prefix, spec[0]), *spec[1:])
            for spec in specs]


def parse_lines(text):
    return [line.split(" ") for line in text.splitlines() if line]


class Round:
    def __init__(self, torture, number):
        self.t = torture
        self.number = number
        self.kind = KINDS[number % len(KINDS)]
        self.root = os.path.join(torture.tmp, "round-%d" % number)
        self.shadow = os.path.join(torture.tmp, "shadow-%d" % number)
        self.log = os.path.join(torture.tmp, "round-%d.log" % number)
        os.makedirs(os.path.join(self.root, "state"))
        os.makedirs(os.path.join(self.root, "out"))
        self.files = round_files(torture.servers, torture.rng,
                                 "pc%d-%d" % (torture.seed % 100000, number), self.kind)
        self.by_name = {f.name: f for f in self.files}
        self.finished = {}          # dest path -> sha, as the worker was told

    def command(self, removing):
        extra = []
        if self.kind == "remove":
            extra = ["--overwrite"] + (["--on-complete", "remove"] if removing else [])
        elif self.kind == "compaction":
            extra = ["--overwrite", "--remove-finished"]
        elif self.kind == "segments":
            extra = ["--connections", "4", "--segment-min", "262144"]
        return [self.t.worker, "--state-dir", os.path.join(self.root, "state"),
                "--session", "pc", "--dir", os.path.join(self.root, "out"),
                "--log", self.log, "--jobs", str(JOBS),
                "--checkpoint-bytes", str(CHECKPOINT_BYTES), "--retries", "20",
                "--retry-base-ms", "20"] + extra + [f.url for f in self.files]

    def run(self, cut_at, aimed=False, removing=True):
        # The last run's kept state stays beside it, for a failure's report.
        shutil.rmtree(self.shadow + ".last", ignore_errors=True)
        if os.path.exists(self.shadow):
            os.rename(self.shadow, self.shadow + ".last")
        os.makedirs(self.shadow)
        env = dict(os.environ, LD_PRELOAD=self.t.shim, YCDL_POWERCUT_ROOT=self.root,
                   YCDL_POWERCUT_SHADOW=self.shadow, YCDL_POWERCUT_AT=str(cut_at),
                   YCDL_POWERCUT_FROM="tasks.journal.tmp" if aimed else "",
                   # an ASan build: the layer comes before its runtime
                   ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0")
        start = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        proc = subprocess.run(self.command(removing), env=env, timeout=RUN_TIMEOUT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with open(self.log) as f:
            f.seek(start)
            lines = parse_lines(f.read())
        return proc.returncode, lines

    def counted(self):
        path = os.path.join(self.shadow, "count")
        with open(path) as f:
            return int(f.read())

    def cut_call(self):
        with open(os.path.join(self.shadow, "cut")) as f:
            return f.read().strip()

    def note_finished(self, lines):
        for words in lines:
            if words[0] == "finished":
                self.finished[" ".join(words[4:])] = words[3]

    def check_after_cut(self):
        """The rebuilt folder keeps every file reported finished."""
        for path, sha in self.finished.items():
            if not os.path.exists(path):
                fail("%s was reported finished, and is gone after the power cut" % path)
            if sha256_of(path) != sha:
                fail("%s was reported finished, and its bytes changed after the "
                     "power cut" % path)
            mode = os.stat(path).st_mode & 0o777
            if mode != self.t.file_mode:
                fail("%s was reported finished with mode %o, and has %o after the "
                     "power cut" % (path, self.t.file_mode, mode))

    def size_before(self, before, path):
        """The size path had when the run started (-1: none)."""
        dirs, files = before
        rel = os.path.relpath(path, self.root)
        entry = dirs.get(os.path.dirname(rel), {}).get(os.path.basename(rel))
        return len(files[entry[0]][0]) if entry and entry[1] == "f" else -1

    def check_restore(self, lines, before):
        """What the run found when it started (before: the folder then):
        nothing quarantined, no bytes claimed that are not on disk."""
        for words in lines:
            if words[0] == "restored" and words[2] != "0":
                fail("the journal was damaged by the power cut: %s quarantined" %
                     words[2])
            if words[0] == "task":
                status, written, dest = words[2], int(words[3]), words[5]
                part = dest + ".part"
                if status == "finished":
                    # The journal says finished before the move (the file
                    # is placed again on restore): at either name, whole.
                    sizes = (self.size_before(before, dest), self.size_before(before, part))
                    if written not in sizes:
                        fail("a task restored as finished (%d bytes) has no such "
                             "file: %s (sizes at its name and as .part: %s)" %
                             (written, dest, sizes))
                    continue
                on_disk = max(self.size_before(before, part), 0)
                if written > on_disk:
                    fail("a restored task claims %d bytes, its part file holds %d: %s"
                         % (written, on_disk, part))
            if words[0] == "task-end":
                break

    def check_end(self):
        out = os.path.join(self.root, "out")
        for f in self.files:
            path = os.path.join(out, f.saved_as)
            if not os.path.exists(path) or sha256_of(path) not in f.shas:
                fail("%s is not byte-identical at the end of the round" % path)
        left = [n for n in os.listdir(out) if n.endswith(".part")]
        if left:
            fail("part files left at the end of the round: %s" % left)

    def next_cut(self, cuts, budget):
        """(cut_at, aimed) for the next run: no cut once the budget is spent;
        in a compaction round, every other cut aimed at the rewrite."""
        if cuts >= budget:
            return 0, False
        if self.kind == "compaction" and self.t.rng.random() < 0.5:
            return self.t.rng.randint(1, AIMED_CALLS), True
        calls = self.t.calls_per_run.get(self.kind, 200)
        return self.t.rng.randint(1, calls), False

    def note_cut(self, aimed):
        call, _, path = self.cut_call().partition(" ")
        self.t.cut_calls[call] = self.t.cut_calls.get(call, 0) + 1
        what = "%s%s" % (self.kind, " (aimed)" if aimed else "")
        self.t.cuts_by_kind[what] = self.t.cuts_by_kind.get(what, 0) + 1
        if "tasks.journal" in os.path.basename(path):
            self.t.journal_cuts[call] = self.t.journal_cuts.get(call, 0) + 1

    def play(self, budget):
        """Runs until every file is finished; returns the cuts made."""
        cuts, removing = 0, True
        for _ in range(MAX_RUNS_PER_ROUND):
            cut_at, aimed = self.next_cut(cuts, budget) if removing else (0, False)
            before = snapshot(self.root)
            code, lines = self.run(cut_at, aimed, removing)
            self.note_finished(lines)
            self.check_restore(lines, before)
            if code == 0:
                if not aimed and (cut_at == 0 or os.path.exists(
                        os.path.join(self.shadow, "count"))):
                    self.t.calls_per_run[self.kind] = max(
                        self.t.calls_per_run.get(self.kind, 200), self.counted())
                if self.kind == "remove" and any(w[0] == "removed" for w in lines):
                    removing = False        # once more, to place what it removed
                    continue
                self.check_end()
                # A compaction round goes on until its cuts are made: every
                # run adds all its files again, and every other one compacts.
                if self.kind != "compaction" or cuts >= budget:
                    return cuts
                continue
            if code != -9:
                fail("run ended with status %d: %s" % (code, lines[-3:]))
            cuts += 1
            self.note_cut(aimed)
            rebuild(self.root, before, self.shadow, self.t.rng, self.t.shapes)
            self.check_after_cut()
        fail("the round did not finish in %d runs" % MAX_RUNS_PER_ROUND)

    def clean(self):
        for f in self.files:
            os.unlink(f.www)
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.shadow, ignore_errors=True)
        shutil.rmtree(self.shadow + ".last", ignore_errors=True)


class Torture:
    def __init__(self, args):
        self.worker = os.path.abspath(args.worker)
        self.shim = os.path.abspath(args.shim)
        self.seed = args.seed if args.seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.servers = read_env(os.environ["YCDL_TEST_SERVERS"])
        self.tmp = tempfile.mkdtemp(prefix="powercut-", dir=args.tmp)
        mask = os.umask(0)
        os.umask(mask)
        self.file_mode = 0o666 & ~mask
        self.calls_per_run = {}     # round kind -> most calls a whole run made
        self.cut_calls = {}
        self.cuts_by_kind = {}
        self.journal_cuts = {}      # call -> cuts before one on the journal
        self.shapes = {}

    def main(self, cuts):
        done, number = 0, 0
        print("powercut: seed %d, %d cuts" % (self.seed, cuts))
        while done < cuts:
            r = Round(self, number)
            try:
                done += r.play(min(cuts - done, 6 if r.kind == "compaction" else 12))
            except PowerCutFailure as e:
                print("FAIL round %d (seed %d): %s\n  worker log: %s" %
                      (number, self.seed, e, r.log))
                return 1
            r.clean()
            number += 1
        def listed(counts):
            return ", ".join("%s %d" % kv for kv in sorted(counts.items())) or "none"
        print("ok   %d power cuts over %d rounds (%s); cut before: %s; of which on the "
              "journal: %s; unsynced data: %s" % (
                  done, number, listed(self.cuts_by_kind), listed(self.cut_calls),
                  listed(self.journal_cuts), listed(self.shapes)))
        shutil.rmtree(self.tmp, ignore_errors=True)
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--cuts", type=int, default=200)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--tmp")
    args = ap.parse_args()
    cuts = int(os.environ.get("YCDL_POWERCUT_CUTS", args.cuts))
    return Torture(args).main(cuts)


if __name__ == "__main__":
    sys.exit(main())
