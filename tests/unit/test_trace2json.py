#!/usr/bin/env python3
"""tools/trace2json.py on a sample dump (tests/unit/data/trace-sample.log:
a real QEMU capture, trimmed, with an older cut-off dump and shell output
around and inside it).  Prints TAP; run by make test-unit."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "trace2json.py")
SAMPLE = os.path.join(ROOT, "tests", "unit", "data", "trace-sample.log")
tmp = tempfile.mkdtemp()
results = []


def check(desc, fn):
    try:
        fn()
        results.append((True, desc, ""))
    except Exception as e:  # report and go on
        results.append((False, desc, "%s: %s" % (type(e).__name__, e)))


def tool(*args):
    return subprocess.run([sys.executable, TOOL] + list(args),
                          capture_output=True, text=True)


out_json = os.path.join(tmp, "trace.json")
out_png = os.path.join(tmp, "trace.png")
run = tool(SAMPLE, "-o", out_json,
           *(["--png", out_png] if shutil.which("gnuplot") else []))
doc = {}


def converts():
    global doc
    assert run.returncode == 0, run.stderr
    with open(out_json) as f:
        doc = json.load(f)  # valid JSON
    assert isinstance(doc["traceEvents"], list) and doc["traceEvents"]


def of(ph):
    return [e for e in doc.get("traceEvents", []) if e["ph"] == ph]


def uses_the_last_complete_dump():
    # The cut-off dump before it has a switch to pid 9; the used one none.
    assert doc["otherData"]["recorded"] == "32", doc["otherData"]
    assert all(e["tid"] != 9 for e in doc["traceEvents"])


def one_track_per_pid():
    names = {e["tid"]: e["args"]["name"] for e in of("M")
             if e["name"] == "thread_name"}
    assert sorted(names) == [0, 2, 3, 4, 5, 6], names
    assert names[0] == "pid 0 (idle)" and names[2] == "pid 2 (sh)", names
    assert names[4] == "pid 4 (spin)", names  # from the proc line
    assert names[6] == "pid 6 (pingpong)", names  # from its exit record
    assert names[3] == "pid 3", names  # no name anywhere
    assert {e["tid"] for e in of("X")} | {e["tid"] for e in of("i")} <= \
        set(names)


def intervals_never_overlap_on_the_cpu():
    xs = sorted(of("X"), key=lambda e: e["ts"])
    assert len(xs) == 14, len(xs)  # 13 switches: the first runner, then one each
    for a, b in zip(xs, xs[1:]):
        assert a["dur"] >= 0 and a["ts"] + a["dur"] <= b["ts"] + 1e-3, (a, b)


def intervals_follow_the_switches():
    xs = sorted(of("X"), key=lambda e: e["ts"])
    assert [e["tid"] for e in xs[:6]] == [2, 0, 2, 0, 2, 3], xs[:6]
    # The spinners' slices: 5 ticks of 10 ms at the estimated clock.
    spin = [e for e in xs if e["tid"] == 4]
    assert all(45000 < e["dur"] < 55000 for e in spin), spin


def instants_for_each_kind():
    kinds = {}
    for e in of("i"):
        kinds.setdefault(e["name"], []).append(e)
    assert sorted(kinds) == ["block", "boost", "exit", "preempt", "wake"], \
        sorted(kinds)
    wake = kinds["wake"][0]
    assert wake["tid"] == 2 and wake["args"]["by"] == "0", wake
    assert kinds["preempt"][0]["tid"] == 0, kinds["preempt"][0]
    assert kinds["boost"][0]["args"]["to"] == "50", kinds["boost"]
    assert kinds["exit"][0]["args"]["code"] == "0", kinds["exit"]


def clock_is_estimated_from_the_ticks():
    rate = doc["otherData"]["cycles_per_us"]
    assert 2000 < rate < 3200, rate  # this capture's TSC: about 2.6 GHz


def png_is_drawn():
    if not shutil.which("gnuplot"):
        return  # the JSON checks still ran
    with open(out_png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def no_dump_is_an_error():
    empty = os.path.join(tmp, "empty.log")
    with open(empty, "w") as f:
        f.write("kairos> trace dump\ntrace-begin version=1 hz=100\n")
    r = tool(empty)
    assert r.returncode == 1 and "no trace-begin" in r.stderr, r


for desc, fn in [
        ("converts the sample to valid JSON", converts),
        ("uses the last complete dump in the capture",
         uses_the_last_complete_dump),
        ("one named track per pid", one_track_per_pid),
        ("running intervals never overlap on the CPU",
         intervals_never_overlap_on_the_cpu),
        ("running intervals follow the switches",
         intervals_follow_the_switches),
        ("instant events for wake, block, preempt, exit and boost",
         instants_for_each_kind),
        ("the cycle rate is estimated from the ticks",
         clock_is_estimated_from_the_ticks),
        ("the PNG timeline is drawn", png_is_drawn),
        ("a capture without a complete dump is an error",
         no_dump_is_an_error)]:
    check(desc, fn)
shutil.rmtree(tmp, ignore_errors=True)
print("1..%d" % len(results))
for i, (ok, desc, why) in enumerate(results, 1):
    print("%s %d - trace2json: %s" % ("ok" if ok else "not ok", i, desc))
    if not ok:
        print("# " + why.replace("\n", "\n# "))
sys.exit(0 if all(r[0] for r in results) else 1)
