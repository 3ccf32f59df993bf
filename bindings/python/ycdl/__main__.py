"""python -m ycdl URL... - downloads with a progress bar; the API in 30 lines.
Ctrl-C pauses (the data is kept); the same command continues where it stopped."""
import argparse
import sys

import ycdl


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m ycdl", description=__doc__.splitlines()[0])
    ap.add_argument("urls", nargs="+", metavar="URL")
    ap.add_argument("-d", "--dir", default=".", help="where the files go")
    ap.add_argument("--session", default="ycdl-python", help="the session identifier")
    args = ap.parse_args()
    with ycdl.Session(args.session, download_dir=args.dir, auto_resume=True) as session:
        events = session.events()       # opened first: no final event can be missed
        tasks = [session.add(url) for url in args.urls]
        ended = (ycdl.TaskStatus.FINISHED, ycdl.TaskStatus.FAILED)
        pending = {t.key for t in tasks if t.status not in ended}
        progress = {}
        for event in events if pending else ():
            if isinstance(event.data, ycdl.ycdl_pb2.Progress):
                progress[event.key] = (event.data.bytes_written, max(event.data.bytes_expected, 0))
                done, total = (sum(column) for column in zip(*progress.values()))
                bar = "#" * (40 * done // total if total else 0)
                print("\r[%-40s] %d/%d bytes" % (bar, done, total), end="", file=sys.stderr)
            pending -= {event.key} if event.is_final else set()
            if not pending:
                break
        print(file=sys.stderr)
        failed = 0
        for task in tasks:
            try:
                print(task.wait())
            except ycdl.DownloadError as error:
                print("%s: %s" % (task.info().url, error), file=sys.stderr)
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:       # leaving the session paused the downloads
        sys.exit(130)
