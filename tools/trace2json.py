#!/usr/bin/env python3
"""Turn a Kairos scheduler trace dump into Chrome trace-event JSON and a
PNG timeline (docs/trace.md).

    python3 tools/trace2json.py SERIAL_LOG [-o trace.json] [--png out.png]

SERIAL_LOG is anything that holds the output of the shell's `trace dump`
(a serial capture with other output around it): the last complete block
between `trace-begin` and `trace-end` is used.  The JSON opens in Perfetto
(ui.perfetto.dev) and chrome://tracing: one track per pid, an "X" event
for each interval a process ran (from the switch to it to the switch away
from it), instant events for wakes, blocks, preemptions, exits and boosts.
The PNG needs gnuplot.

Times: records carry the tick count and the cycle counter (the TSC).  The
cycle rate is estimated from the ticks the trace spans (cycles per tick
times hz, from the header), so times are in microseconds of the machine's
clock; --cycles-per-us overrides the estimate.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

EVENT = re.compile(r"^(\d+) (\d+) (\d+) (\w+)((?: \w+=\S*)*)$")
INSTANTS = ("wake", "block", "preempt", "exit", "boost")


class DumpError(Exception):
    pass


def fields(text):
    return dict(kv.split("=", 1) for kv in text.split())


def find_dump(text):
    """The lines of the last complete trace-begin ... trace-end block."""
    lines = [l.rstrip("\r") for l in text.split("\n")]
    end = None
    for i in range(len(lines) - 1, -1, -1):
        if end is None and lines[i].startswith("trace-end"):
            end = i
        elif end is not None and lines[i].startswith("trace-begin"):
            return lines[i:end + 1]
    raise DumpError("no trace-begin ... trace-end block found")


def parse(text):
    """The dump as a dict: header, events (in sequence order), names."""
    block = find_dump(text)
    header = fields(block[0][len("trace-begin"):])
    footer = fields(block[-1][len("trace-end"):])
    events, names = [], {}
    for line in block[1:-1]:
        if line.startswith("proc "):
            f = fields(line[5:])
            names[int(f["pid"])] = f.get("name", "")
            continue
        m = EVENT.match(line)
        if not m:
            continue  # a line of other output that landed inside the dump
        seq, ticks, cycles, kind, rest = m.groups()
        f = fields(rest)
        events.append({"seq": int(seq), "ticks": int(ticks),
                       "cycles": int(cycles), "kind": kind, "args": f})
        if kind == "exit" and f.get("name"):
            names.setdefault(int(f["pid"]), f["name"])
    events.sort(key=lambda e: e["seq"])
    return {"header": header, "footer": footer, "events": events,
            "names": names}


def cycles_per_us(events, hz):
    """Cycle rate from the first and last events on different ticks."""
    if len(events) < 2 or hz <= 0:
        return None
    a, b = events[0], events[-1]
    if b["ticks"] <= a["ticks"] or b["cycles"] <= a["cycles"]:
        return None
    return (b["cycles"] - a["cycles"]) / (b["ticks"] - a["ticks"]) * hz / 1e6


def timestamps(dump, rate=None):
    """Microseconds since the first event, for every event."""
    ev = dump["events"]
    hz = int(dump["header"].get("hz", "0") or 0)
    rate = rate or cycles_per_us(ev, hz)
    if not ev:
        return [], rate
    if rate:
        c0 = ev[0]["cycles"]
        return [(e["cycles"] - c0) / rate for e in ev], rate
    t0 = ev[0]["ticks"]
    per_tick = 1e6 / hz if hz > 0 else 1.0
    return [(e["ticks"] - t0) * per_tick for e in ev], None


def track_name(pid, names):
    name = names.get(pid)
    if pid == 0:
        name = name or "idle"
    return "pid %d (%s)" % (pid, name) if name else "pid %d" % pid


def running_intervals(dump, ts):
    """[(pid, start_us, end_us)] between switches, in order."""
    out, cur, since = [], None, ts[0] if ts else 0.0
    for e, t in zip(dump["events"], ts):
        if e["kind"] != "switch":
            continue
        prev, nxt = int(e["args"]["prev"]), int(e["args"]["next"])
        if cur is None:
            cur = prev  # it ran from the start of the recording
        if prev == cur and t >= since:
            out.append((cur, since, t))
        cur, since = nxt, t
    if cur is not None and ts and ts[-1] > since:
        out.append((cur, since, ts[-1]))
    return out


def subject(e):
    a = e["args"]
    return int(a.get("pid", a.get("prev", 0)))


def to_chrome(dump, rate=None):
    ts, rate = timestamps(dump, rate)
    names = dump["names"]
    runs = running_intervals(dump, ts)
    pids = sorted({p for p, _, _ in runs} |
                  {subject(e) for e in dump["events"]})
    out = [{"ph": "M", "name": "process_name", "pid": 1, "tid": 0,
            "args": {"name": "Kairos CPU 0"}}]
    for pid in pids:
        out.append({"ph": "M", "name": "thread_name", "pid": 1, "tid": pid,
                    "args": {"name": track_name(pid, names)}})
        out.append({"ph": "M", "name": "thread_sort_index", "pid": 1,
                    "tid": pid, "args": {"sort_index": pid}})
    for pid, start, end in runs:
        out.append({"ph": "X", "name": "running", "cat": "sched", "pid": 1,
                    "tid": pid, "ts": round(start, 3),
                    "dur": round(end - start, 3)})
    for e, t in zip(dump["events"], ts):
        if e["kind"] in INSTANTS:
            args = dict(e["args"], seq=e["seq"], tick=e["ticks"])
            out.append({"ph": "i", "s": "t", "name": e["kind"],
                        "cat": "sched", "pid": 1, "tid": subject(e),
                        "ts": round(t, 3), "args": args})
    other = dict(dump["header"], **{"end_" + k: v
                                   for k, v in dump["footer"].items()})
    other["cycles_per_us"] = rate
    return {"traceEvents": out, "displayTimeUnit": "ms", "otherData": other}


GNUPLOT = """\
set terminal pngcairo size 1100,%(height)d font "DejaVu Sans,10"
set output '%(png)s'
set title '%(title)s'
set xlabel 'ms since trace on'
set ytics (%(ytics)s)
set yrange [-0.7:%(ymax)f]
set xrange [0:%(xmax)f]
set grid xtics
set key outside right top
set style fill solid 0.85 noborder
plot '%(runs)s' using (($2+$3)/2):1:(($3-$2)/2):(0.32) with boxxyerror \
        lc rgb '#4477aa' title 'running', \
     '%(marks)s' index 0 using 2:1 with points pt 9 ps 0.9 \
        lc rgb '#228833' title 'wake', \
     '' index 1 using 2:1 with points pt 11 ps 0.9 lc rgb '#ee6677' \
        title 'block', \
     '' index 2 using 2:1 with points pt 2 ps 0.9 lc rgb '#aa3377' \
        title 'preempt', \
     '' index 3 using 2:1 with points pt 7 ps 1.2 lc rgb 'black' \
        title 'exit'
"""


def to_png(dump, png, rate=None, title="Kairos scheduler trace"):
    """Draw the timeline with gnuplot: a row per pid."""
    if shutil.which("gnuplot") is None:
        raise DumpError("gnuplot is not installed (tools/deps.sh trace)")
    ts, rate = timestamps(dump, rate)
    runs = running_intervals(dump, ts)
    pids = sorted({p for p, _, _ in runs} |
                  {subject(e) for e in dump["events"]})
    row = {pid: i for i, pid in enumerate(pids)}
    with tempfile.TemporaryDirectory() as d:
        runs_f, marks_f = os.path.join(d, "runs.dat"), os.path.join(d,
                                                                    "marks.dat")
        with open(runs_f, "w") as f:
            for pid, s, e in runs:
                f.write("%d %.4f %.4f\n" % (row[pid], s / 1e3, e / 1e3))
            if not runs:
                f.write("0 0 0\n")
        with open(marks_f, "w") as f:
            for kind in ("wake", "block", "preempt", "exit"):
                n = 0
                for e, t in zip(dump["events"], ts):
                    if e["kind"] == kind:
                        f.write("%d %.4f\n" % (row[subject(e)], t / 1e3))
                        n += 1
                if n == 0:
                    f.write("-5 -5\n")  # gnuplot needs a point per block
                f.write("\n\n")
        ytics = ", ".join('"%s" %d' % (track_name(p, dump["names"]), i)
                          for p, i in row.items())
        script = GNUPLOT % {
            "height": 140 + 42 * len(pids), "png": png, "title": title,
            "ytics": ytics, "ymax": len(pids) - 0.3,
            "xmax": max(ts[-1] / 1e3 if ts else 1, 1e-3),
            "runs": runs_f, "marks": marks_f}
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="serial capture holding a `trace dump`")
    ap.add_argument("-o", "--output", help="JSON file (default: stdout)")
    ap.add_argument("--png", help="also draw the timeline into this PNG")
    ap.add_argument("--title", default="Kairos scheduler trace")
    ap.add_argument("--cycles-per-us", type=float, default=None,
                    help="cycle rate (default: estimated from the ticks)")
    args = ap.parse_args(argv)
    with open(args.log, encoding="latin-1") as f:
        text = f.read()
    try:
        dump = parse(text)
        doc = to_chrome(dump, args.cycles_per_us)
        if args.png:
            to_png(dump, args.png, args.cycles_per_us, args.title)
    except DumpError as e:
        print("trace2json: %s" % e, file=sys.stderr)
        return 1
    text = json.dumps(doc, indent=1)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
