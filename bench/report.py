"""report.py - turns bench/run's figures into Markdown tables: one per
workload, then the targets of issues 4 and 15 with the measured figure and
whether each is met (only judged in a full run; smoke sizes prove nothing;
never a failure of the run)."""

MIB = 1 << 20


def fmt_s(x):
    return "%.3f s" % x


def fmt_mib(kib):
    return "%.1f MiB" % (kib / 1024)


def fmt_bytes(n):
    if abs(n) >= MIB:
        return "%.2f MiB" % (n / MIB)
    if abs(n) >= 1024:
        return "%.1f KiB" % (n / 1024)
    return "%d B" % n


def ratio(a, b):
    """a / b; NaN when b is zero (a smoke run's CPU times can round to 0)."""
    return a / b if b else float("nan")


def fmt_ratio(x):
    return "n/a" if x != x else "%.2f×" % x


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def load_note(r):
    """The machine is shared: how busy it was, and how much of that was not
    the tools being measured (nginx and any other work)."""
    note = "load %s → %s" % tuple(r["load"])
    w = r.get("cpu_window")
    if w:
        note += "; cores busy %.2f, of which the measured tools %.2f, nginx and others %.2f" % (
            w["machine_cores_busy"], w["tools_cores"], w["others_cores"])
    return note


def spread(t):
    return "%s (%.3f–%.3f)" % (fmt_s(t["wall"]), t["wall_min"], t["wall_max"])


# ---------------------------------------------------------------- workloads

def one_big_file(r):
    tools, curl = r["tools"], r["tools"]["curl"]
    rows = [[name, spread(t), fmt_s(t["user"]), fmt_s(t["system"]), fmt_s(t["cpu"]),
             fmt_mib(t["rss_kib"]), fmt_ratio(t["wall"] / curl["wall"]),
             fmt_ratio(ratio(t["cpu"], curl["cpu"]))]
            for name, t in tools.items()]
    return ("### 1. One %d MiB file to tmpfs (%d runs, median (min–max); %s)\n\n"
            % (r["bytes"] // MIB, curl["runs"], load_note(r)) +
            table(["tool", "wall", "user", "sys", "user+sys", "peak RSS", "wall / curl",
                   "CPU / curl"], rows))


def many_small_files(r, title):
    tools, curl, aria = r["tools"], r["tools"]["curl"], r["tools"]["aria2c"]
    rows = [[name, spread(t), fmt_s(t["cpu"]), fmt_mib(t["rss_kib"]),
             "%.2f×" % (t["wall"] / curl["wall"]), "%.2f×" % (aria["wall"] / t["wall"])]
            for name, t in tools.items()]
    note = ""
    api = tools.get("ycdl-api", {}).get("driver")
    if api:
        note += ("\n\nycdl-api: its %d ycdl_task_add calls returned after %s (they overlap "
                 "the downloads); %d events taken."
                 % (r["files"], fmt_s(api["adds_s"]), api["events"]))
    batch = tools.get("ycdl-api-batch", {}).get("driver")
    if batch:
        note += ("\nycdl-api-batch: one ycdl_task_add_many call for all %d returned after "
                 "%s; the downloads took the rest." % (r["files"], fmt_s(batch["adds_s"])))
    return ("### %s (%d files, 16 at once, %d runs; in %s; %s)\n\n"
            % (title, r["files"], curl["runs"], r["where"], load_note(r)) +
            table(["tool", "wall", "user+sys", "peak RSS", "wall / curl",
                   "aria2c wall / this"], rows) + note)


def many_tasks(r):
    o, n = r["reopen"], r["tasks"]
    ways = list(r["add"])
    adds = [r["add"][w] for w in ways]

    def row(label, fn):
        return [label] + [fn(a) for a in adds]

    rows = [
        row("add %d paused tasks (each persisted)" % n,
            lambda a: "%s (max %.3f)" % (fmt_s(a["add_s"]), a["add_s_max"])),
        row("… per task", lambda a: "%.1f µs" % (a["add_s"] / n * 1e6)),
        row("process user / sys CPU",
            lambda a: "%s / %s" % (fmt_s(a["user"]), fmt_s(a["system"]))),
        row("close (final sync, free)", lambda a: fmt_s(a["close_s"])),
        row("RSS: empty session → with tasks", lambda a: "%s → %s" % (
            fmt_mib(a["rss_empty_kib"]), fmt_mib(a["rss_tasks_kib"]))),
        row("RSS per task beyond the empty session",
            lambda a: "%.0f B" % a["rss_bytes_per_task"]),
        row("journal size", lambda a: "%s (%.0f B per task)" % (
            fmt_bytes(a["journal_bytes"]), a["journal_bytes"] / n)),
    ]
    grouped = r.get("reopen_grouped")
    opens = [o] + ([grouped] if grouped else [])

    def reopen_row(label, fn):
        return [label] + [fn(x) for x in opens]

    reopen = [
        reopen_row("ycdl_session_open returns", lambda x: fmt_s(x["open_s"])),
        reopen_row("restored event taken and a call answered",
                   lambda x: "%s (max %.3f)" % (fmt_s(x["ready_s"]), x["ready_s_max"])),
        reopen_row("RSS when ready / process peak", lambda x: "%s / %s" % (
            fmt_mib(x["rss_kib"]), fmt_mib(x["peak_rss_kib"]))),
    ]
    heads = ["reopening the session with %d tasks" % n, "no groups"]
    if grouped:
        heads.append("in %d groups" % r["groups"])
        reopen.append(["every group's figures (list + get_info each)", "–",
                       fmt_s(grouped["groups_info_s"])])
    return ("### 3–4. %d tasks added and persisted, then reopened (add: %d runs each way, "
            "reopen: %d runs, medians; %s)\n\n" % (n, adds[0]["runs"], o["runs"], load_note(r))
            + table(["adding"] + ways, rows) + "\n\n" + table(heads, reopen))


def kill_and_continue(r):
    rows = []
    for name, t in r["tools"].items():
        last = t["runs"][-1]
        rows.append([name, fmt_bytes(last["killed_at"]), fmt_bytes(last["resumed_at"]),
                     "%s (max %s)" % (fmt_bytes(t["refetched_median"]),
                                      fmt_bytes(t["refetched_max"])),
                     fmt_bytes(t["wasted_network_median"]), last["second_status"]])
    return ("### 5. kill -9 during a %d MiB download at %d MiB/s, then the same command "
            "(%d runs; %s)\n\n"
            % (r["bytes"] // MIB, r["rate"] // MIB, len(r["tools"]["ycdl"]["runs"]),
               load_note(r)) +
            table(["tool", "on disk at the kill", "continued from", "bytes fetched again",
                   "extra bytes nginx sent", "2nd status"], rows) +
            "\n\nOne ycdl checkpoint here: %s (every 4 MiB or every second)."
            % fmt_bytes(r["checkpoint_bytes"]))


def event_share(r):
    n = r["native"]
    text = ("### 6. Progress events on 16 busy transfers (%s)\n\n"
            "Native, 16 × %s: %s wall, %s CPU, %d events (%d progress).\n"
            % (load_note(r), fmt_bytes(r["bytes"] // 16), fmt_s(n["wall"]), fmt_s(n["cpu"]),
               n["events"], n["progress_events"]))
    cg = r.get("callgrind")
    if not cg:
        return text + "\n(valgrind missing: no profile)"
    rows = [[name, "{:,}".format(ir), "%.3f%%" % (100 * ir / cg["total_ir"])]
            for name, ir in sorted(cg["by_function"].items(), key=lambda kv: -kv[1])]
    rows.append(["**event path**", "{:,}".format(cg["event_path_ir"]),
                 "**%.3f%%**" % (100 * cg["share"])])
    rows.append(["whole process", "{:,}".format(cg["total_ir"]), "100%"])
    per_event = cg["event_path_ir"] / cg["events"] if cg["events"] else 0
    rows.append(["per event, end to end", "{:,.0f}".format(per_event), ""])
    return (text + "\nUnder callgrind, 16 × %s (%.1f s wall, %d events, %d progress; the "
            "profiler slows the run, and progress is coalesced by time, so the profiled run "
            "has more progress events per byte than a native one):\n\n"
            % (fmt_bytes(cg["bytes"] // 16), cg["wall"], cg["events"], cg["progress_events"])
            + table(["function (inclusive)", "instructions", "share"], rows))


def fmt_rate(x):
    return "n/a" if x is None or x != x else "{:,.0f}/s".format(x)


def fmt_us(x):
    return "%.0f µs" % x if x >= 10 else "%.1f µs" % x


ROUND_TRIP_HANDLES = (("in_process", "owner's own handle"),
                      ("attached", "attached, same process"),
                      ("other_process", "attached, another process"))


def round_trip_table(rt):
    rows = []
    for call, name in (("session_info", "ycdl_session_get_info"),
                       ("task_info", "ycdl_task_get_info")):
        for pacing, how in (("", "back to back"), ("_spaced", "1 ms apart")):
            own = rt["handles"]["in_process"][call + pacing]
            for handle, label in ROUND_TRIP_HANDLES:
                t = rt["handles"][handle][call + pacing]
                rows.append([name, how, label, fmt_us(t["p50_us"]), fmt_us(t["p99_us"]),
                             fmt_us(t["max_us"]),
                             fmt_ratio(ratio(t["p50_us"], own["p50_us"])),
                             fmt_ratio(ratio(t["p99_us"], own["p99_us"]))])
    return ("Control round trips on a session of %d paused tasks: %d calls back to back and "
            "%d calls %d µs apart per series (medians of %d runs; max: the worst run):\n\n"
            % (rt["tasks"], rt["calls"], rt["spaced_calls"], rt["spaced_gap_us"], rt["runs"])
            + table(["call", "pacing", "handle", "p50", "p99", "max", "p50 / owner's",
                     "p99 / owner's"], rows))


def events_table(ev):
    rows = []
    for r in ev["rows"]:
        last = r["last_after_adds_s"]
        rows.append([r["clients"], "backlog" if r["backlog"] else "live",
                     fmt_rate(r["produced"]), fmt_rate(r["owner"]), fmt_rate(r["client_min"]),
                     fmt_rate(r["client_max"]), fmt_rate(r["client_sum"]),
                     "—" if last is None or r["backlog"] else "%.1f ms" % (last * 1e3)])
    return ("task_added events of %d paused tasks added in batches of 1,000 (medians of %d "
            "runs; a rate is events from a consumer's first to its last; backlog: the "
            "consumers are held until the adds are done):\n\n"
            % (ev["tasks"], ev["rows"][0]["runs"])
            + table(["clients", "mode", "adds produced", "owner's consumer",
                     "slowest client", "fastest client", "all clients", "last event after "
                     "the last add"], rows))


def rss_table(rss):
    rows = [[int(tasks), fmt_bytes(r["snapshot_bytes"]), fmt_mib(r["rss_before_kib"]),
             fmt_mib(r["rss_with_clients_kib"]), fmt_mib(r["rss_after_kib"]),
             fmt_mib(r["peak_rss_kib"]), "%.1f KiB" % r["per_client_kib"]]
            for tasks, r in rss["sizes"].items()]
    return ("The owner's RSS as %d idle processes attach (each takes the attached event, "
            "a snapshot of every task), medians of %d runs:\n\n"
            % (rss["clients"], next(iter(rss["sizes"].values()))["runs"])
            + table(["tasks", "attached event", "before", "with the clients",
                     "after they left", "peak while attaching", "growth per client"], rows))


def files_table(files):
    tools = files["tools"]
    rows = []
    for name, t in tools.items():
        base = tools[name.replace("attached", "in-process")]
        owner = t.get("owner_cpu")
        rows.append([name, spread(t), fmt_s(t["cpu"]),
                     "—" if owner is None else fmt_s(owner),
                     fmt_mib(t["rss_kib"]), fmt_ratio(t["wall"] / base["wall"])])
    return ("%d small files, 16 at once, fetched by ycdl-bench fetch owning its session "
            "and attached to `ycdl serve -j 16` (%d runs, interleaved):\n\n"
            % (files["files"], next(iter(tools.values()))["runs"])
            + table(["driving it", "wall", "its user+sys", "owner's user+sys", "peak RSS",
                     "wall / in-process"], rows))


def shared_session(r):
    return ("### 7. Shared sessions (%s)\n\n" % load_note(r)
            + "\n\n".join([round_trip_table(r["round_trip"]), events_table(r["events"]),
                            rss_table(r["rss"]), files_table(r["files"])]))


# ----------------------------------------------------------------- targets

def verdict(ok, smoke):
    if smoke:
        return "n/a (smoke)"
    return "met" if ok else "**missed**"


def one_big_file_targets(w1, smoke):
    rows = []
    for name in (n for n in w1["tools"] if n.startswith("ycdl")):
        t, curl = w1["tools"][name], w1["tools"]["curl"]
        wall, cpu = t["wall"] / curl["wall"], ratio(t["cpu"], curl["cpu"])
        label = "1 GiB (%s)" % name.replace("ycdl", "ycdl get")
        rows.append([label + ": wall ≤ 1.05× curl", fmt_ratio(wall),
                     verdict(wall <= 1.05, smoke)])
        rows.append([label + ": CPU ≤ 1.2× curl", fmt_ratio(cpu), verdict(cpu <= 1.2, smoke)])
    return rows


def many_small_files_targets(w2, smoke):
    rows, w2 = [], w2["tools"]
    labels = {"ycdl": "ycdl get", "ycdl --no-sha256": "ycdl get --no-sha256",
              "ycdl-api": "API, one add per task",
              "ycdl-api-batch": "API, ycdl_task_add_many"}
    for name in (n for n in labels if n in w2):
        t = w2[name]
        slower, faster = t["wall"] / w2["curl"]["wall"], w2["aria2c"]["wall"] / t["wall"]
        label = "small files (%s)" % labels[name]
        rows.append([label + ": ≤ 1.5× curl", "%.2f×" % slower, verdict(slower <= 1.5, smoke)])
        rows.append([label + ": ≥ 3× faster than aria2c", "%.2f×" % faster,
                     verdict(faster >= 3, smoke)])
        rows.append([label + ": peak RSS ≤ 32 MiB", fmt_mib(t["rss_kib"]),
                     verdict(t["rss_kib"] <= 32 * 1024, smoke)])
    return rows


def many_tasks_targets(w3, smoke):
    rows = []
    for way, a in w3["add"].items():
        rows.append(["add 100,000 tasks ≤ 2 s (%s)" % way, fmt_s(a["add_s"]),
                     verdict(a["add_s"] <= 2, smoke)])
        rows.append(["≤ 1 KiB RSS per task (%s)" % way, "%.0f B" % a["rss_bytes_per_task"],
                     verdict(a["rss_bytes_per_task"] <= 1024, smoke)])
    # Issue 20, item 3: a queued task's own cost, measured where no batch's
    # transient memory is in the figure (one by one).
    one = w3["add"].get("one by one")
    if one:
        rows.append(["≤ 512 B RSS per queued task (one by one; issue 20)",
                     "%.0f B" % one["rss_bytes_per_task"],
                     verdict(one["rss_bytes_per_task"] <= 512, smoke)])
    rows.append(["reopen 100,000 tasks ≤ 1 s", fmt_s(w3["reopen"]["ready_s"]),
                 verdict(w3["reopen"]["ready_s"] <= 1, smoke)])
    rows.append(["reopen 100,000 tasks ≤ 0.5 s and ≤ 64 MiB (issue 20)",
                 "%s, %s" % (fmt_s(w3["reopen"]["ready_s"]), fmt_mib(w3["reopen"]["rss_kib"])),
                 verdict(w3["reopen"]["ready_s"] <= 0.5 and
                         w3["reopen"]["rss_kib"] <= 64 * 1024, smoke)])
    grouped = w3.get("reopen_grouped")
    if grouped:
        # Issue 17: groups open in the same time and memory budget as none.
        slower = grouped["ready_s"] / max(w3["reopen"]["ready_s"], 1e-9)
        bigger = grouped["rss_kib"] / max(w3["reopen"]["rss_kib"], 1)
        rows.append(["reopen in %d groups ≤ 1.2× the time without" % w3["groups"],
                     "%.2f×" % slower, verdict(slower <= 1.2, smoke)])
        rows.append(["reopen in %d groups ≤ 1.1× the RSS without" % w3["groups"],
                     "%.2f×" % bigger, verdict(bigger <= 1.1, smoke)])
    return rows


def kill_targets(w5, smoke):
    worst = w5["tools"]["ycdl"]["refetched_max"]
    return [["kill -9: refetched ≤ one checkpoint (%s)" % fmt_bytes(w5["checkpoint_bytes"]),
             fmt_bytes(worst) + " (worst run)", verdict(worst <= w5["checkpoint_bytes"], smoke)]]


def event_share_targets(w6, smoke):
    cg = w6.get("callgrind")
    if not cg:
        return []
    return [["event path ≤ 2% of the run", "%.3f%% of instructions" % (100 * cg["share"]),
             verdict(cg["share"] <= 0.02, smoke)]]


def shared_session_targets(w7, smoke):
    rows = []
    other = w7["round_trip"]["handles"]["other_process"]
    for pacing, label in (("", "back to back"), ("_spaced", "calls 1 ms apart")):
        p99 = {call: other[call + pacing]["p99_us"] for call in ("session_info", "task_info")}
        worst = max(p99.values())
        rows.append(["round trip p99 ≤ 1 ms, from another process (%s)" % label,
                     "%.0f µs (get_info %.0f, task_get_info %.0f)"
                     % (worst, p99["session_info"], p99["task_info"]),
                     verdict(worst <= 1000, smoke)])
    one = {row["backlog"]: row for row in w7["events"]["rows"] if row["clients"] == 1}
    backlog, live = one[True]["client_min"], one[False]["client_min"]
    rows.append(["≥ 200,000 events/s to one client (a backlog: what the path delivers)",
                 fmt_rate(backlog), verdict(backlog >= 2e5, smoke)])
    rows.append(["≥ 200,000 events/s to one client (live: as fast as the owner adds, %s)"
                 % fmt_rate(one[False]["produced"]), fmt_rate(live),
                 verdict(live >= 2e5, smoke)])
    tools, files = w7["files"]["tools"], w7["files"]["files"]
    for mode, suffix in (("one add per task", ""), ("ycdl_task_add_many", ", add_many")):
        slower = tools["attached" + suffix]["wall"] / tools["in-process" + suffix]["wall"]
        rows.append(["%d files through a client ≤ 1.2× in-process (%s)" % (files, mode),
                     fmt_ratio(slower), verdict(slower <= 1.2, smoke)])
    for tasks, r in w7["rss"]["sizes"].items():
        growth = r["per_client_kib"]
        rows.append(["owner RSS ≤ 1 MiB per attached client (%d tasks)" % int(tasks),
                     "%.1f KiB" % growth, verdict(growth <= 1024, smoke)])
    return rows


def idle_session(r):
    return ("### 8. An idle session (battery)\n\n"
            "%d paused tasks, the session reopened and left alone %d s, %d runs (worst "
            "run): %.6f s of CPU, %.2f wake-ups/s (context switches of every thread, "
            "the measuring thread's own sleep included), %d events.\n"
            % (r["tasks"], r["idle_s"], r["runs"], r["cpu_s_max"], r["wakeups_per_s_max"],
               r["events_max"]))


def idle_targets(w8, smoke):
    # One switch is the driver's own sleep; anything more is a timer.
    wakeups = w8["wakeups_per_s_max"] * w8["idle_s"]
    return [["idle session: no periodic wake-ups (%d paused tasks, %d s)"
             % (w8["tasks"], w8["idle_s"]),
             "%d context switches, %.6f s CPU" % (wakeups, w8["cpu_s_max"]),
             verdict(wakeups <= 2 and w8["events_max"] == 0, smoke)]]


def soak(r):
    rows = []
    for place in ("tmpfs", "disk"):
        for tool in ("ycdl", "curl"):
            if place in r:
                t = r[place][tool]
                rows.append([place, tool, "%.3f s / %.3f s" % (t["first"]["wall_s"],
                                                             t["first"]["sys_s"]),
                             "%.3f s / %.3f s" % (t["last_wall_s"], t["last_sys_s"]),
                             fmt_ratio(t["last_wall_s"] / t["first"]["wall_s"])])
    return ("### 9. A long-lived session (%s)\n\n"
            "%d rounds of %d small files, 16 at once, fetched and then deleted; ycdl: one "
            "session for every round (ycdl-bench soak: add_many, wait, remove with the "
            "file); curl: `curl -Z` and the files deleted, round after round:\n\n"
            % (load_note(r), next(iter(r[p]["ycdl"]["rounds"] for p in ("tmpfs", "disk")
                                       if p in r)), r["files"])
            + table(["where", "tool", "round 1 wall / sys", "last third wall / sys (median)",
                     "last / first"], rows))


def soak_targets(w9, smoke):
    t = w9["tmpfs"]["ycdl"]
    creep = t["last_wall_s"] / t["first"]["wall_s"]
    return [["long-lived session: round N ≤ 1.2× round 1 (tmpfs, %d rounds)" % t["rounds"],
             fmt_ratio(creep), verdict(creep <= 1.2, smoke)]]


def segmented(r):
    n, tools = r["connections"], r["tools"]
    rows = [[name, spread(t), fmt_s(t["cpu"]), fmt_mib(t["rss_kib"]),
             fmt_ratio(t["wall"] / r["physical_limit_s"]), "%.0f" % t.get("requests", 0)]
            for name, t in tools.items()]
    k = r["kill"]
    return ("### 10. One %d MiB file over %d connections, the fault server holding each to %s/s "
            "(%d runs, median (min–max); %s)\n\n"
            "The physical limit is size / (%d × the rate): %s (every response paced from "
            "its first byte; requests per run in the last column).\n\n"
            % (r["bytes"] // MIB, n, fmt_bytes(r["rate"]), tools["curl"]["runs"],
               load_note(r), n, fmt_s(r["physical_limit_s"])) +
            table(["tool", "wall", "user+sys", "peak RSS", "wall / limit", "requests"], rows) +
            "\n\nKilled (SIGKILL) at 40 %% of its time and run again: the server sent "
            "%s beyond the file over both runs (re-fetched plus in flight at the kill; "
            "one checkpoint per segment is %d × %s)."
            % (fmt_bytes(k["wasted_network"]), n, fmt_bytes(r["checkpoint_bytes"])))


def segmented_targets(w10, smoke):
    n, tools = w10["connections"], w10["tools"]
    ycdl, one = tools["ycdl -x %d" % n], tools["ycdl -x 1"]
    aria = tools["aria2c -x %d" % n]
    limit = w10["physical_limit_s"]
    wasted = w10["kill"]["wasted_network"]
    return [
        ["segments: wall within 5 %% of the physical limit (%d connections)" % n,
         fmt_ratio(ycdl["wall"] / limit), verdict(ycdl["wall"] <= 1.05 * limit, smoke)],
        ["segments: wall no slower than aria2c -x %d" % n,
         fmt_ratio(ycdl["wall"] / aria["wall"]), verdict(ycdl["wall"] <= aria["wall"], smoke)],
        ["segments: ≥ 6× its own one-connection time",
         "%.2f×" % (one["wall"] / ycdl["wall"]), verdict(one["wall"] >= 6 * ycdl["wall"], smoke)],
        ["segments: CPU ≤ aria2c's", fmt_ratio(ratio(ycdl["cpu"], aria["cpu"])),
         verdict(ycdl["cpu"] <= aria["cpu"], smoke)],
        ["segments: peak RSS ≤ 48 MiB", fmt_mib(ycdl["rss_kib_max"]),
         verdict(ycdl["rss_kib_max"] <= 48 * 1024, smoke)],
        ["segments: kill -9 at 40 %: re-fetched ≤ one checkpoint per segment",
         fmt_bytes(wasted), verdict(wasted <= n * w10["checkpoint_bytes"], smoke)],
    ]


def million(r):
    a, m = r["add"], r["steps"]
    rows = [["add (ycdl_task_add_many, each persisted), close", fmt_s(a["add_s"] + a["close_s"]),
             fmt_mib(a["rss_tasks_kib"]), fmt_mib(a["peak_rss_kib"])],
            ["reopen (until a call is answered)", fmt_s(m["open_s"]), fmt_mib(m["rss_open_kib"]),
             ""],
            ["list every key", fmt_s(m["list_s"]), fmt_mib(m["rss_listed_kib"]), ""],
            ["resume every task (%d at once)" % r["jobs"], fmt_s(m["resume_s"]),
             fmt_mib(m["rss_resumed_kib"]), ""],
            ["... until %d are finished (from the first resume)" % m["finished"],
             fmt_s(m["finish_s"]), fmt_mib(m["rss_finished_kib"]), ""],
            ["close", fmt_s(m["close_s"]), "", fmt_mib(m["peak_rss_kib"])]]
    return ("### 11. A session of %d tasks (issue 20, item 4)\n\n"
            "Added paused with `ycdl_task_add_many` (10,000 a call) by one process, then "
            "taken through the rest by another (`ycdl-bench million`); every URL is a "
            "distinct name nginx answers with one 16 KiB file.\n\n" % r["tasks"] +
            table(["step", "time", "RSS after", "process peak"], rows))


def million_targets(w11, smoke):
    m, a = w11["steps"], w11["add"]
    peak = max(a["peak_rss_kib"], m["peak_rss_kib"])
    return [["%d tasks: reopen ≤ 5 s" % w11["tasks"], fmt_s(m["open_s"]),
             verdict(m["open_s"] <= 5, smoke)],
            ["%d tasks: peak RSS ≤ 1 GiB at every step" % w11["tasks"], fmt_mib(peak),
             verdict(peak <= 1024 * 1024, smoke)]]


TARGETS = (("one_big_file", one_big_file_targets),
           ("many_small_files", many_small_files_targets),
           ("many_tasks", many_tasks_targets), ("kill_and_continue", kill_targets),
           ("event_share", event_share_targets), ("shared_session", shared_session_targets),
           ("idle_session", idle_targets), ("soak", soak_targets),
           ("segmented", segmented_targets), ("million", million_targets))


def targets(res):
    """Every target of the workloads that ran."""
    smoke = res["mode"] == "smoke"
    rows = []
    for name, fn in TARGETS:
        if name in res:
            rows += fn(res[name], smoke)
    return "### Targets\n\n" + table(["target", "measured", "verdict"], rows)


def header(res):
    m = res.get("machine", {})
    return ("## Results: %s run, %s\n\n%s, %s cores, Linux %s; %s; %s; %s; libycdl %s at %s%s.\n"
            "Whole run: %.0f s.\n"
            % (res["mode"], res["started"], m.get("cpu"), m.get("cores"), m.get("kernel"),
               m.get("curl"), m.get("aria2c"), m.get("nginx"), m.get("ycdl"),
               m.get("commit"), " (with uncommitted changes)" if m.get("dirty") else "",
               res.get("seconds", 0)))


def markdown(res):
    sections = (("one_big_file", one_big_file),
                ("many_small_files", lambda r: many_small_files(r, "2. Small files on tmpfs")),
                ("many_small_files_disk",
                 lambda r: many_small_files(r, "2b. Small files on disk (real fsyncs)")),
                ("many_tasks", many_tasks), ("kill_and_continue", kill_and_continue),
                ("event_share", event_share), ("shared_session", shared_session),
                ("idle_session", idle_session), ("soak", soak),
                ("segmented", segmented), ("million", million))
    parts = [header(res), targets(res)]
    parts += [fn(res[name]) for name, fn in sections if name in res]
    return "\n\n".join(parts) + "\n"
