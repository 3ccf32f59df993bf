"""workloads.py - the six workloads of issue 4, each measuring libycdl side by
side with curl and aria2c on the same files from the same nginx, and the
shared sessions of issue 15 (an attached handle against the owner's own);
each checks every file it downloaded and returns a dict of results."""

import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request

from measure import (BenchError, CpuWindow, callgrind_inclusive, check_dir, fresh_dir,
                     load_average, median, summarize, timed)

SESSION = "bench"


# ---------------------------------------------------------------- commands

def ycdl_get(b, state, out, urls, jobs=None, options=()):
    cmd = [b.ycdl, "get", "--state-dir", state, "--session", SESSION, "-d", out]
    if jobs:
        cmd += ["-j", str(jobs)]
    return cmd + list(options) + urls


def curl_one(out, url, resume=False):
    return ["curl", "-s", "-f"] + (["-C", "-"] if resume else []) + \
        ["-o", os.path.join(out, "big.bin"), url]


def curl_many(out, urls, jobs):
    return ["curl", "-s", "-f", "-Z", "--parallel-max", str(jobs), "--output-dir", out,
            "--remote-name-all"] + urls


def aria2c(out, *args):
    return ["aria2c", "-q", "-d", out, "--file-allocation=none",
            "--allow-overwrite=true"] + list(args)


def driver(b, *args):
    return [b.driver] + [str(a) for a in args]


def run_interleaved(b, commands, runs, prepare, verify):
    """Runs every command once per round, round after round, so that load
    from other work on the machine falls on all tools alike rather than on
    whichever ran during a busy minute. A first round is not counted: the
    first gigabyte written to a fresh tmpfs costs page allocations that
    later runs reuse. Returns {name: summary}."""
    samples = {name: [] for name in commands}
    for round_number in range(runs + b.warmup):
        for name, cmd in commands.items():
            prepare(name)
            sample = timed(cmd, name)
            verify(name)
            if round_number >= b.warmup:
                samples[name].append(sample)
    return {name: with_driver_figures(b, s) for name, s in samples.items()}


def with_driver_figures(b, samples):
    """The API driver reports figures of its own (events, how long the adds
    took); their medians go next to the timings."""
    summary = summarize(samples)
    if samples[0].stdout.lstrip().startswith("{"):
        reports = [b.json(s.stdout) for s in samples]
        summary["driver"] = {key: median([r[key] for r in reports]) for key in reports[0]}
    return summary


def with_load(fn):
    """Records the load around a workload: the machine is shared."""
    def wrapper(b, *args):
        before, window = load_average(), CpuWindow()
        result = fn(b, *args)
        result["load"] = [round(before, 2), round(load_average(), 2)]
        result["cpu_window"] = window.close()
        return result
    wrapper.__name__ = fn.__name__
    return wrapper


# ------------------------------------------------- 1: one big file to tmpfs

@with_load
def one_big_file(b):
    url = b.url("/big.bin")
    out, state = os.path.join(b.tmp, "w1-out"), os.path.join(b.tmp, "w1-state")
    commands = {
        "curl": curl_one(out, url),
        "ycdl": ycdl_get(b, state, out, [url]),
        # The session option compute_sha256 = 0: no digest in the finished
        # event, so no hashing while the bytes stream through.
        "ycdl --no-sha256": ycdl_get(b, state, out, [url], options=["--no-sha256"]),
        "aria2c": aria2c(out, "-o", "big.bin", url),
    }

    def prepare(name):
        fresh_dir(out)
        fresh_dir(state)

    def verify(name):
        check_dir(out, [b.data["big"]], "one big file, " + name)

    result = run_interleaved(b, commands, b.runs, prepare, verify)
    fresh_dir(out)
    return {"bytes": b.sizes["big"], "tools": result}


# ---------------------------------------- 2: many small files, 16 at once

def small_files_list(b):
    """The small files' URLs, and a file listing them one per line."""
    urls = [b.url("/small/%05d.bin" % i) for i in range(b.sizes["small_count"])]
    listing = os.path.join(b.tmp, "small-urls.txt")
    with open(listing, "w") as f:
        f.write("\n".join(urls) + "\n")
    return urls, listing


@with_load
def many_small_files(b, where, runs):
    """10,000 small files, 16 at a time, output and ycdl's state under
    `where` (tmpfs for the targets, a disk to show what syncing costs)."""
    urls, listing = small_files_list(b)
    out, state = os.path.join(where, "w2-out"), os.path.join(where, "w2-state")
    commands = {
        "curl": curl_many(out, urls, 16),
        "ycdl": ycdl_get(b, state, out, urls, jobs=16),
        # What the SHA-256 of every file costs the loop thread.
        "ycdl --no-sha256": ycdl_get(b, state, out, urls, jobs=16, options=["--no-sha256"]),
        "ycdl-api": driver(b, "fetch", "--state", state, "--out", out, "--list", listing,
                           "--jobs", 16),
        # Every URL in one ycdl_task_add_many call: no round trip per task.
        "ycdl-api-batch": driver(b, "fetch", "--state", state, "--out", out, "--list",
                                 listing, "--jobs", 16, "--batch", len(urls)),
        "aria2c": aria2c(out, "-j16", "-i", listing),
    }

    def prepare(name):
        fresh_dir(out)
        fresh_dir(state)

    def verify(name):
        check_dir(out, b.data["small"], "many small files, " + name)

    result = run_interleaved(b, commands, runs, prepare, verify)
    fresh_dir(out)
    fresh_dir(state)
    return {"files": len(urls), "where": where, "tools": result}


# --------------------------------------- 3 and 4: 100,000 tasks, reopened

@with_load
def many_tasks(b):
    """Adds N paused tasks through the API, each persisted: one
    ycdl_task_add at a time, ycdl_task_add_many 10,000 at a time, and the
    same with the tasks spread over G groups (issue 17: groups cost no more
    to open and report). Then reopens the sessions that hold them, several
    times, the grouped one also asked for every group's figures."""
    count, groups = b.sizes["tasks"], b.sizes["groups"]
    prefix = b.url("/tasks")
    ways = (("one by one", 0, 0), ("add_many", 10000, 0),
            ("add_many, %d groups" % groups, 10000, groups))
    states = {}
    adds = {way: [] for way, _, _ in ways}
    for _ in range(b.runs_slow):
        for n, (way, batch, g) in enumerate(ways):
            state = states[way] = os.path.join(b.tmp, "w3-state-%d" % n)
            out = os.path.join(b.tmp, "w3-out")
            fresh_dir(state)
            fresh_dir(out)
            sample = timed(driver(b, "add", "--state", state, "--out", out, "--url-prefix",
                                  prefix, "--count", count, "--batch", batch, "--groups", g),
                           "ycdl-bench add (%s)" % way)
            adds[way].append((sample, b.json(sample.stdout)))
    reopens = {}
    for way, _, g in ways[1:]:
        runs = []
        for _ in range(b.runs):
            sample = timed(driver(b, "reopen", "--state", states[way], "--url-prefix", prefix,
                                  "--count", count, "--groups", g),
                           "ycdl-bench reopen (%s)" % way)
            runs.append((sample, b.json(sample.stdout)))
        reopens[way] = summarize_reopen(runs)
    return {"tasks": count, "groups": groups, "reopen": reopens["add_many"],
            "reopen_grouped": reopens[ways[2][0]],
            "add": {way: summarize_add(runs, count) for way, runs in adds.items()}}


def summarize_add(adds, count):
    per_task = [(r["rss_tasks_kib"] - r["rss_empty_kib"]) * 1024 / count for _, r in adds]
    return {
        "runs": len(adds),
        "add_s": median([r["add_s"] for _, r in adds]),
        "add_s_max": max(r["add_s"] for _, r in adds),
        "close_s": median([r["close_s"] for _, r in adds]),
        "rss_empty_kib": median([r["rss_empty_kib"] for _, r in adds]),
        "rss_tasks_kib": median([r["rss_tasks_kib"] for _, r in adds]),
        "rss_bytes_per_task": median(per_task),
        "peak_rss_kib": median([s.rss_kib for s, _ in adds]),
        "journal_bytes": median([r["journal_bytes"] for _, r in adds]),
        "cpu": median([s.cpu for s, _ in adds]),
        "user": median([s.user for s, _ in adds]),
        "system": median([s.system for s, _ in adds]),
    }


def summarize_reopen(reopens):
    return {
        "runs": len(reopens),
        "open_s": median([r["open_s"] for _, r in reopens]),
        "ready_s": median([r["ready_s"] for _, r in reopens]),
        "ready_s_max": max(r["ready_s"] for _, r in reopens),
        "process_wall": median([s.wall for s, _ in reopens]),
        "rss_kib": median([r["rss_kib"] for _, r in reopens]),
        "peak_rss_kib": median([s.rss_kib for s, _ in reopens]),
        "groups_info_s": median([r["groups_info_s"] for _, r in reopens]),
    }


# ----------------------------------------- 5: kill -9, then the same again

REQUEST = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d+) (\d+)')


def log_entries(b, offset, path):
    """(status, body bytes) of the requests for path logged after offset."""
    time.sleep(0.2)         # nginx logs a request once its connection ends
    with open(b.servers["NGINX_ACCESS_LOG"]) as f:
        f.seek(offset)
        lines = f.read().splitlines()
    return [(int(m.group(2)), int(m.group(3))) for m in map(REQUEST.search, lines)
            if m and m.group(1) == path]


def kill_when_large(cmd, part, threshold, what):
    """Starts cmd and SIGKILLs it once part holds threshold bytes; returns
    the part file's size after the kill."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if os.path.exists(part) and os.path.getsize(part) >= threshold:
                break
            time.sleep(0.002)
        if proc.poll() is not None:
            raise BenchError("%s ended before it could be killed" % what)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    return os.path.getsize(part)


def kill_commands(b, url, out, state):
    """Per tool: the first command, the command that continues, and the
    file that grows meanwhile."""
    # ycdl get names a download after its URL's last segment, as curl -O.
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[1])
    first_ycdl = ycdl_get(b, state, out, [url])
    return {
        "ycdl": (first_ycdl, first_ycdl, os.path.join(out, name + ".part")),
        "curl": (curl_one(out, url), curl_one(out, url, resume=True),
                 os.path.join(out, "big.bin")),
        "aria2c": (["aria2c", "-q", "-d", out, "-o", "big.bin", "--file-allocation=none",
                    url],
                   ["aria2c", "-q", "-c", "-d", out, "-o", "big.bin",
                    "--file-allocation=none", url],
                   os.path.join(out, "big.bin")),
    }


def kill_once(b, tool, url, path):
    out, state = fresh_dir(os.path.join(b.tmp, "w5-out")), fresh_dir(
        os.path.join(b.tmp, "w5-state"))
    first, again, part = kill_commands(b, url, out, state)[tool]
    total = b.sizes["big"]
    offset = os.path.getsize(b.servers["NGINX_ACCESS_LOG"])
    at_kill = kill_when_large(first, part, int(total * b.sizes["kill_at"]), tool)
    second = timed(again, tool + " after kill -9")
    check_dir(out, [b.data["big"]], "kill -9, " + tool)
    entries = log_entries(b, offset, path)
    if len(entries) < 2:
        raise BenchError("kill -9, %s: nginx logged %d requests" % (tool, len(entries)))
    resumed_at = total - entries[-1][1]
    return {
        "killed_at": at_kill,
        "resumed_at": resumed_at,
        "refetched": at_kill - resumed_at,
        "wasted_network": sum(n for _, n in entries) - total,
        "second_status": entries[-1][0],
        "second_wall": second.wall,
    }


@with_load
def kill_and_continue(b):
    rate = b.sizes["kill_rate"]
    path = "/big.bin?rate=%d" % rate
    url = b.url(path)
    tools = {}
    for tool in ("ycdl", "curl", "aria2c"):
        runs = [kill_once(b, tool, url, path) for _ in range(b.runs_slow)]
        tools[tool] = {
            "runs": runs,
            "refetched_median": median([r["refetched"] for r in runs]),
            "refetched_max": max(r["refetched"] for r in runs),
            "wasted_network_median": median([r["wasted_network"] for r in runs]),
        }
    fresh_dir(os.path.join(b.tmp, "w5-out"))
    # The library's defaults: a checkpoint every 4 MiB or every second.
    checkpoint = min(4 << 20, rate)
    return {"bytes": b.sizes["big"], "rate": rate, "checkpoint_bytes": checkpoint,
            "tools": tools}


# -------------------------------------- 6: the event path's share of CPU

EVENT_ENTRY_POINTS = ("emit_task_added", "emit_status_changed", "emit_progress",
                      "emit_resumed", "emit_redirected", "emit_restarted", "emit_finished",
                      "emit_failed", "emit_removed", "emit_all_finished",
                      "emit_session_restored", "emit_resumability", "emit_retrying",
                      "consume_events")


def busy_fetch(b, folder, count, out, state):
    listing = os.path.join(b.tmp, folder + "-urls.txt")
    with open(listing, "w") as f:
        f.write("".join(b.url("/%s/%02d.bin\n" % (folder, i)) for i in range(count)))
    fresh_dir(out)
    fresh_dir(state)
    return ["fetch", "--state", state, "--out", out, "--list", listing, "--jobs", count]


def profile_events(b, out, state):
    """One run under callgrind: instructions in the event path (every
    emitter, which encodes and queues, and the consumer's pop, decode and
    free) against all instructions of the process."""
    profile = os.path.join(b.tmp, "events.callgrind")
    args = busy_fetch(b, "w6cg", 16, out, state)
    sample = timed(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + profile,
                    b.driver] + [str(a) for a in args], "ycdl-bench fetch under callgrind")
    check_dir(out, [b.data["w6cg"]] * 16, "events under callgrind")
    counts = b.json(sample.stdout)
    total, costs = callgrind_inclusive(profile)
    path = {name: costs.get(name, 0) for name in EVENT_ENTRY_POINTS if costs.get(name)}
    return {"total_ir": total, "event_path_ir": sum(path.values()),
            "share": sum(path.values()) / total if total else float("nan"),
            "by_function": path, "bytes": 16 * b.sizes["w6cg"], "profile": profile,
            "events": counts["events"], "progress_events": counts["progress_events"],
            "wall": sample.wall}


@with_load
def event_share(b):
    out, state = os.path.join(b.tmp, "w6-out"), os.path.join(b.tmp, "w6-state")
    native = []
    for _ in range(b.runs_slow):
        args = busy_fetch(b, "w6", 16, out, state)
        sample = timed(driver(b, *args), "ycdl-bench fetch (16 busy)")
        check_dir(out, [b.data["w6"]] * 16, "16 busy transfers")
        native.append((sample, b.json(sample.stdout)))
    result = {
        "bytes": 16 * b.sizes["w6"],
        "native": {
            "wall": median([s.wall for s, _ in native]),
            "cpu": median([s.cpu for s, _ in native]),
            "events": median([r["events"] for _, r in native]),
            "progress_events": median([r["progress_events"] for _, r in native]),
        },
    }
    if b.have("valgrind"):
        result["callgrind"] = profile_events(b, out, state)
    fresh_dir(out)
    return result


# ------------------------------------------ 7: shared sessions (issue 15)

def start_owner(b, state, jobs):
    """`ycdl serve` owning the session in state, once it says it serves."""
    log_path = os.path.join(b.tmp, "serve.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([b.ycdl, "serve", "--session", SESSION, "--state-dir", state,
                                 "-j", str(jobs)], stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        with open(log_path) as f:
            if "served by pid" in f.read():
                return proc
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    with open(log_path) as f:
        raise BenchError("ycdl serve did not start:\n" + f.read()[-2000:])


def stop_owner(b, state, proc):
    """`ycdl stop`; returns the owner's CPU seconds once it has exited (its
    rusage, which Popen.wait would throw away)."""
    stop = subprocess.run([b.ycdl, "stop", "--session", SESSION, "--state-dir", state],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # On a session of thousands of tasks `ycdl stop` fails with "the owner
    # went away" although the owner stops: its answer is queued behind the
    # attached event (every task) that its hello asked for, and the closing
    # owner sends only what the socket takes (server.c, say_last_goodbye).
    # The owner's exit status below says whether it stopped cleanly.
    if stop.returncode != 0 and "the owner went away" not in stop.stderr:
        raise BenchError("ycdl stop exited with %d:\n%s" % (stop.returncode, stop.stderr))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                raise BenchError("ycdl serve exited with %d" % proc.returncode)
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.01)
    raise BenchError("ycdl serve did not stop within 30 s of ycdl stop")


def latencies(runs):
    """Medians over the runs of each p50 and p99, the worst max."""
    first = runs[0]
    handles = [h for h in ("in_process", "attached", "other_process") if h in first]
    return {h: {call: {"p50_us": median([r[h][call]["p50_us"] for r in runs]),
                       "p99_us": median([r[h][call]["p99_us"] for r in runs]),
                       "max_us": max(r[h][call]["max_us"] for r in runs)}
                for call in first[h]}
            for h in handles}


def round_trip(b):
    """Control calls on the owner's handle, on one attached in the same
    process and from another process (ycdl-bench roundtrip)."""
    state = os.path.join(b.tmp, "w7-state")
    runs = []
    for _ in range(b.runs_slow):
        fresh_dir(state)
        sample = timed(driver(b, "roundtrip", "--state", state, "--url-prefix",
                              b.url("/tasks"), "--count", b.sizes["rt_tasks"],
                              "--calls", b.sizes["rt_calls"]), "ycdl-bench roundtrip")
        runs.append(b.json(sample.stdout))
    return {"runs": len(runs), "tasks": runs[0]["tasks"], "calls": runs[0]["calls"],
            "spaced_calls": runs[0]["spaced_calls"], "spaced_gap_us": runs[0]["spaced_gap_us"],
            "handles": latencies(runs)}


def consumer_rate(c):
    """task_added events per second from a consumer's first to its last."""
    span = c["last_s"] - c["first_s"]
    return (c["events"] - 1) / span if span > 0 else float("nan")


def event_rates(r):
    """One events run: how fast the adds produced, the owner's consumer
    took, and the slowest and fastest attached process received."""
    clients = [consumer_rate(c) for c in r["listeners"]]
    return {"produced": r["tasks"] / r["adds_s"], "owner": consumer_rate(r["owner"]),
            "client_min": min(clients) if clients else None,
            "client_max": max(clients) if clients else None,
            "client_sum": sum(clients) if clients else None,
            # live: how long after the last add returned the last client
            # had its event
            "last_after_adds_s": max(c["last_s"] for c in r["listeners"]) - r["adds_s"]
            if clients else None}


def event_throughput(b):
    """task_added events of N paused tasks to 0, 1 and 4 attached processes,
    live and from a backlog; the configurations interleaved round by round."""
    state = os.path.join(b.tmp, "w7-events")
    configs = [(clients, backlog) for clients in (0, 1, 4) for backlog in (False, True)]
    samples = {config: [] for config in configs}
    for _ in range(b.runs_slow):
        for clients, backlog in configs:
            fresh_dir(state)
            sample = timed(driver(b, "events", "--state", state, "--url-prefix",
                                  b.url("/tasks"), "--count", b.sizes["tasks"],
                                  "--clients", clients, *(["--backlog"] if backlog else [])),
                           "ycdl-bench events (%d clients)" % clients)
            samples[(clients, backlog)].append(event_rates(b.json(sample.stdout)))
    rows = []
    for (clients, backlog), runs in samples.items():
        row = {"clients": clients, "backlog": backlog, "runs": len(runs)}
        for key in runs[0]:
            row[key] = None if runs[0][key] is None else median([r[key] for r in runs])
        rows.append(row)
    return {"tasks": b.sizes["tasks"], "rows": rows}


def rss_per_client(b):
    """The owner's RSS before and after idle processes attach, for a small
    session and for one of N tasks (each client first gets a snapshot of
    every task)."""
    state = os.path.join(b.tmp, "w7-clients")
    clients = b.sizes["rss_clients"]
    sizes = {}
    for count in (b.sizes["rt_tasks"], b.sizes["tasks"]):
        runs = []
        for _ in range(b.runs_slow):
            fresh_dir(state)
            sample = timed(driver(b, "clients", "--state", state, "--url-prefix",
                                  b.url("/tasks"), "--count", count, "--clients", clients),
                           "ycdl-bench clients")
            runs.append(b.json(sample.stdout))
        sizes[count] = {key: median([r[key] for r in runs]) for key in runs[0]}
        sizes[count]["runs"] = len(runs)
    return {"clients": clients, "sizes": sizes}


def files_through_client(b):
    """The small files fetched by ycdl-bench fetch owning its session, and
    through a handle attached to `ycdl serve` (started fresh for each run,
    stopped after it): one add per task and ycdl_task_add_many."""
    urls, listing = small_files_list(b)
    out, state = os.path.join(b.tmp, "w7-out"), os.path.join(b.tmp, "w7-state")
    fetch = ["fetch", "--state", state, "--out", out, "--list", listing, "--jobs", 16]
    batch = ["--batch", len(urls)]
    commands = {
        "in-process": driver(b, *fetch),
        "attached": driver(b, *fetch, "--attach"),
        "in-process, add_many": driver(b, *fetch, *batch),
        "attached, add_many": driver(b, *fetch, *batch, "--attach"),
    }
    owner, owner_cpu = {}, {name: [] for name in commands if "attached" in name}

    def prepare(name):
        fresh_dir(out)
        fresh_dir(state)
        if name in owner_cpu:
            owner["proc"] = start_owner(b, state, 16)

    def verify(name):
        if name in owner_cpu:
            owner_cpu[name].append(stop_owner(b, state, owner.pop("proc")))
        check_dir(out, b.data["small"], "shared session, " + name)

    try:
        result = run_interleaved(b, commands, b.runs, prepare, verify)
    finally:
        if "proc" in owner:
            owner["proc"].kill()
            owner["proc"].wait()
    for name, cpu in owner_cpu.items():
        result[name]["owner_cpu"] = median(cpu[b.warmup:])
    fresh_dir(out)
    fresh_dir(state)
    return {"files": len(urls), "tools": result}


@with_load
def shared_session(b):
    return {"round_trip": round_trip(b), "events": event_throughput(b),
            "rss": rss_per_client(b), "files": files_through_client(b)}


# ------------------------------------------- 8: an idle session (battery)

def idle_session(b):
    """A session of N paused tasks, reopened and left alone (issue 20,
    "battery"): CPU and wake-ups of every thread of the process over S
    seconds, against nothing (the target is zero)."""
    state, out = os.path.join(b.tmp, "w8-idle"), os.path.join(b.tmp, "w8-out")
    fresh_dir(state)
    fresh_dir(out)
    runs = []
    for _ in range(b.runs_slow):
        sample = timed(driver(b, "idle", "--state", state, "--out", out, "--url-prefix",
                              b.url("/tasks"), "--count", b.sizes["idle_tasks"],
                              "--seconds", b.sizes["idle_seconds"]), "ycdl-bench idle")
        runs.append(b.json(sample.stdout))
    return {"tasks": b.sizes["idle_tasks"], "idle_s": b.sizes["idle_seconds"],
            "runs": len(runs), "cpu_s_max": max(r["cpu_s"] for r in runs),
            "wakeups_per_s_max": max(r["wakeups_per_s"] for r in runs),
            "events_max": max(r["events"] for r in runs)}


# ------------------------------- 9: a long-lived session (rounds of files)

def curl_rounds(out, urls, rounds):
    """curl's side of the soak: each round fetches the files 16 at a time
    and deletes them, as the session's rounds do; per-round figures."""
    figures = []
    for _ in range(rounds):
        fresh_dir(out)
        sample = timed(curl_many(out, urls, 16), "curl (soak round)")
        figures.append({"wall_s": sample.wall, "user_s": sample.user, "sys_s": sample.system})
    fresh_dir(out)
    return figures


def soak_figures(rounds):
    first, rest = rounds[0], rounds[1:] or rounds
    last = rounds[-len(rest) // 3 or -1:]     # the last third: where a creep shows
    return {"rounds": len(rounds), "first": first,
            "last_wall_s": median([r["wall_s"] for r in last]),
            "last_sys_s": median([r["sys_s"] for r in last]),
            "all": rounds}


def quiet_disk(place):
    """ext4 will not hand out an inode deleted in the last 5 to 35 s
    (ialloc.c, recently_deleted): a file created while thousands were just
    deleted searches past them all. Each tool starts its rounds on a disk
    that has forgotten the other's deletions."""
    if place == "disk":
        time.sleep(40)


@with_load
def soak(b):
    """Rounds of N small files added, fetched and removed (their files
    deleted) in one session, against curl fetching and deleting the same
    files round after round (issue 20, item 6: round N must cost what round
    1 costs). On tmpfs, and on the disk when there is one: a file system's
    own costs under churn show in curl's rounds too."""
    count, rounds = b.sizes["soak_files"], b.sizes["soak_rounds"]
    urls, _ = small_files_list(b)
    listing = os.path.join(b.tmp, "soak-urls.txt")
    with open(listing, "w") as f:
        f.write("\n".join(urls[:count]) + "\n")
    places = {"tmpfs": b.tmp}
    if b.disk:
        places["disk"] = b.disk
    result = {"files": count}
    for place, where in places.items():
        out, state = os.path.join(where, "w9-out"), os.path.join(where, "w9-state")
        fresh_dir(out)
        fresh_dir(state)
        quiet_disk(place)
        sample = timed(driver(b, "soak", "--state", state, "--out", out, "--list", listing,
                              "--rounds", rounds, "--jobs", 16), "ycdl-bench soak")
        report = b.json(sample.stdout)
        if report["failed"]:
            raise BenchError("soak: %d downloads failed" % report["failed"])
        ycdl = soak_figures(report["rounds"])
        quiet_disk(place)
        result[place] = {"ycdl": ycdl,
                         "curl": soak_figures(curl_rounds(out, urls[:count], rounds))}
        fresh_dir(out)
        fresh_dir(state)
    return result


# ------------------------------ 10: one file over several connections (issue 18)
#
# The files come from the fault server (tests/servers/faultserver.py), which
# paces every response to ?rate= from its first byte, as a CDN that caps
# each connection does. nginx's limit_rate would not do: it lets a first
# second's worth through at once on every request, so the tool that makes
# the most requests would win by that alone.

def fault_stats(b, ident):
    """The fault server's counters for ident: {"requests": R, "bytes": B}."""
    text = urllib.request.urlopen("%s/_stats?id=%s" % (b.servers["FAULT_URL"], ident),
                                  timeout=10).read().decode()
    return {k: int(v) for k, v in (line.split("=") for line in text.split())}


def segment_commands(b, out, state, url, n):
    """Each tool's requests are counted under an id of its own."""
    def tagged(tool):
        return "%s&id=w10-%s" % (url, tool)
    return {
        "curl": curl_one(out, tagged("curl")),
        "ycdl -x 1": ycdl_get(b, state, out, [tagged("ycdl-x1")]),
        "ycdl -x %d" % n: ycdl_get(b, state, out, [tagged("ycdl-xn")],
                                   options=["-x", str(n)]),
        "ycdl -x %d --no-sha256" % n: ycdl_get(b, state, out, [tagged("ycdl-xn-nosha")],
                                               options=["-x", str(n), "--no-sha256"]),
        "aria2c -x %d" % n: aria2c(out, "-x", str(n), "-s", str(n), "-k", "1M",
                                   "-o", "big.bin", tagged("aria2c")),
    }


SEGMENT_IDS = {"curl": "curl", "ycdl -x 1": "ycdl-x1", "ycdl -x N": "ycdl-xn",
               "ycdl -x N --no-sha256": "ycdl-xn-nosha", "aria2c -x N": "aria2c"}


def segmented_kill_once(b, url, out, state, n, expected_wall):
    """ycdl get -x n killed (SIGKILL) at 40 % of the time it took, then run
    again to the end: what the server sent beyond the file's size over both
    runs (re-fetched bytes and what was in flight at the kill)."""
    fresh_dir(out)
    fresh_dir(state)
    url = "%s&id=w10-kill-%d" % (url, os.getpid())
    cmd = ycdl_get(b, state, out, [url], options=["-x", str(n)])
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(expected_wall * b.sizes["kill_at"])
    if proc.poll() is not None:
        raise BenchError("ycdl -x %d ended before it could be killed" % n)
    proc.kill()
    proc.wait()
    time.sleep(0.3)         # the server notices the closed connections
    before = fault_stats(b, "w10-kill-%d" % os.getpid())["bytes"]
    again = timed(cmd, "ycdl -x %d after kill -9" % n)
    check_dir(out, [b.data["big"]], "segmented kill -9")
    sent = fault_stats(b, "w10-kill-%d" % os.getpid())["bytes"]
    return {"sent_before_kill": before, "wasted_network": sent - b.sizes["big"],
            "second_wall": again.wall}


@with_load
def segmented(b):
    """One big file from a server holding each connection to seg_rate:
    ycdl get -x N (with and without its SHA-256) against aria2c -x N -s N
    -k 1M and curl (one connection), and ycdl over one connection; then
    ycdl -x N killed at 40 % and run again."""
    n, rate = b.sizes["seg_connections"], b.sizes["seg_rate"]
    url = "%s/big.bin?rate=%d" % (b.servers["FAULT_URL"], rate)
    out, state = os.path.join(b.tmp, "w10-out"), os.path.join(b.tmp, "w10-state")

    def prepare(name):
        fresh_dir(out)
        fresh_dir(state)

    def verify(name):
        check_dir(out, [b.data["big"]], "segmented, " + name)

    for ident in SEGMENT_IDS.values():
        urllib.request.urlopen("%s/_reset?id=w10-%s" % (b.servers["FAULT_URL"], ident),
                               timeout=10).read()
    tools = run_interleaved(b, segment_commands(b, out, state, url, n), b.runs_slow,
                            prepare, verify)
    rounds = b.runs_slow + b.warmup
    for name, ident in SEGMENT_IDS.items():
        tools[name.replace(" N", " %d" % n)]["requests"] = \
            fault_stats(b, "w10-" + ident)["requests"] / rounds
    limit = b.sizes["big"] / (n * rate)
    kill = segmented_kill_once(b, url, out, state, n, tools["ycdl -x %d" % n]["wall"])
    fresh_dir(out)
    return {"bytes": b.sizes["big"], "connections": n, "rate": rate,
            "physical_limit_s": limit, "tools": tools, "kill": kill,
            "checkpoint_bytes": 4 << 20}


# ------------------------------------------- 11: a million tasks (issue 20)

def million(b):
    """N paused tasks added with ycdl_task_add_many by one process; another
    reopens the session, lists every task, resumes them all (16 run at
    once) and waits for the first K to finish: time and resident set after
    each step (issue 20, item 4)."""
    count, finish = b.sizes["million"], b.sizes["million_finish"]
    state, out = os.path.join(b.tmp, "w11-state"), os.path.join(b.tmp, "w11-out")
    fresh_dir(state)
    fresh_dir(out)
    add = timed(driver(b, "add", "--state", state, "--out", out, "--url-prefix",
                       b.url("/same"), "--count", count, "--batch", 10000, "--groups", 0),
                "ycdl-bench add (million)")
    steps = timed(driver(b, "million", "--state", state, "--out", out, "--count", count,
                         "--finish", finish, "--jobs", 16), "ycdl-bench million")
    figures = b.json(add.stdout)
    figures["peak_rss_kib"] = add.rss_kib
    fresh_dir(out)
    fresh_dir(state)
    return {"tasks": count, "jobs": 16, "add": figures, "steps": b.json(steps.stdout)}
