#!/usr/bin/env python3
"""Run every Kairos benchmark and report (make bench, make bench-smoke).

  bench/run.py            run the host benchmarks (timed, then counted under
                          callgrind) and bench/kernel/run.sh if present; print
                          one table; write build/bench/results.{csv,json},
                          the raw lines and the charts; copy the results and
                          charts to docs/bench/
  bench/run.py --smoke    every benchmark once with few iterations; TAP, one
                          line per benchmark: did it produce its numbers?

The host programs are build/bench/bin/b*_* (bench/host/*.c, built by make);
their output format is described in bench/host/harness.h.  Environment:
BENCH_RUNS (default 11), BENCH_TARGET_MS (default 20), BENCH_CPU (default:
the highest allowed CPU) are passed to them.
"""
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bench", "bin")
OUT = os.path.join(ROOT, "build", "bench")
DOCS = os.path.join(ROOT, "docs", "bench")
KERNEL_SCRIPT = os.path.join(ROOT, "bench", "kernel", "run.sh")
PROGRAM_TIMEOUT = 600  # seconds for one program (a full run takes < 60)

# What each benchmark is, in the table's words: title, unit of one op.
TITLES = {
    "B1": ("B1 switch", "ns per switch, one direction"),
    "B2": ("B2 round robin", "ns per switch, N runnable"),
    "B3all": ("B3 pick-next, all N ready", "ns per pick + enqueue"),
    "B3one": ("B3 pick-next, 1 of N ready", "ns per pick + enqueue"),
    "B4": ("B4 wake, N blocked elsewhere", "ns per wake of one waiter"),
    "B5": ("B5 spawn+exit+wait", "ns per cycle"),
    "B7": ("B7 wakeup latency", "ns from the expiring tick to the sleeper "
           "running"),
}
# The smoke test expects these benchmarks (TAP line each).
def main_impl(bench):
    """The Kairos row others are compared with: B3's O(1) class is RT."""
    return "kairos-rt" if bench.startswith("B3") else "kairos"


EXPECTED = ["B1", "B2", "B3all", "B3one", "B4", "B5", "B6", "B7", "B8"]
B7_CLASSES = ["other", "fifo"]  # the sleeper's policy (b7_wakeup.c)
B7_HOST_NS = [0, 1, 4, 16, 64]
B7_KERNEL_NS = [1, 4, 16, 64]   # the kernel's CPU may not idle: N >= 1
INVERSION = ("kernel_inversion_inherit", "kernel_inversion_noinherit")
INV_SECTION, INV_MEDIUM = 5, 50  # the demo's INV_CS_TICKS, INV_MEDIUM_TICKS
B8_ORDERS = ["oldest-first", "newest-first"]
B6_METRICS = {
    "bytes": "heap bytes per live process",
    "allocs": "heap allocations per live process",
    "retained": "heap bytes held after 1,000 were reaped",
    "record": "sizeof(struct process)",
    "stack": "kernel stack",
}
B8_METRICS = {
    "cycle_us": "us per process, spawn + run + reap",
    "spawn_us": "us per process, spawn alone",
    "reap_us": "us per process, reaping alone",
}
KERNEL_TARGETS = {  # name: most instructions (the targets)
    "kernel_null_syscall": 80,
    "kernel_tick": 150,
    "kernel_yield_switch": 150,
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- Running the programs ---------------------------------------------------


def programs():
    progs = sorted(glob.glob(os.path.join(BIN, "b[0-9]_*")))
    if not progs:
        sys.exit("bench: no programs in %s (run make bench)" % BIN)
    return progs


def run_program(path, env, valgrind_out=None):
    """Run one benchmark program; return its stdout lines."""
    cmd = [path]
    if valgrind_out is not None:
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
               "--callgrind-out-file=" + valgrind_out] + cmd
    try:  # a starved benchmark fails rather than hangs make test
        res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             timeout=PROGRAM_TIMEOUT)
    except subprocess.TimeoutExpired:
        log("bench: %s timed out after %d s" %
            (os.path.basename(path), PROGRAM_TIMEOUT))
        return None
    if res.returncode != 0:
        log("bench: %s failed (status %d):\n%s" %
            (os.path.basename(path), res.returncode, res.stderr[-3000:]))
        return None
    return res.stdout.splitlines()


class Results:
    """Everything the programs printed, parsed."""

    def __init__(self):
        self.samples = {}  # (bench, impl, n) -> [ns per op, by run]
        self.group = {}    # (bench, impl, n) -> which bench_compare call
        self.median = {}   # (bench, impl, n) -> ns per op
        self.ops = {}      # (bench, impl, n) -> ops per run
        self.values = {}   # (bench, impl, n, metric) -> value
        self.ir = {}       # (bench, impl, n) -> instructions per op
        self.info = {}
        self.raw = []
        self.kernel = []   # (name, value, unit)
        self.kernel_notes = []
        self.failed = []   # programs that failed
        self.ncompare = 0  # bench_compare calls seen

    def parse(self, lines):
        for line in lines:
            self.raw.append(line)
            f = line.split(",")
            if f[0] == "compare":
                self.ncompare += 1
            elif f[0] == "sample":
                key = (f[1], f[2], int(f[3]))
                self.group[key] = self.ncompare
                self.samples.setdefault(key, []).append(float(f[5]))
            elif f[0] == "median":
                key = (f[1], f[2], int(f[3]))
                self.median[key] = float(f[4])
                self.ops[key] = int(f[5])
            elif f[0] == "value":
                self.values[(f[1], f[2], int(f[3]), f[4])] = float(f[5])
            elif f[0] == "info":
                self.info.setdefault(f[1], []).append(",".join(f[2:]))

    def paired(self, a, b):
        """Median over runs of a/b, when measured interleaved; else the
        ratio of the medians.  Returns (ratio, paired?)."""
        sa, sb = self.samples.get(a), self.samples.get(b)
        if not sa or not sb:
            return None, False
        if self.group.get(a) == self.group.get(b) and len(sa) == len(sb):
            return statistics.median(x / y for x, y in zip(sa, sb)), True
        return statistics.median(sa) / statistics.median(sb), False


def parse_callgrind(res, files):
    """Instructions per op: the difference of the two dumps of each case."""
    dumps = {}
    for path in files:
        label = total = None
        with open(path) as f:
            for line in f:
                prefix = "desc: Trigger: Client Request: "
                if line.startswith(prefix):
                    label = line[len(prefix):].strip()
                elif line.startswith("totals:") or line.startswith("summary:"):
                    total = int(line.split()[1])
        if label and total is not None and label.count("|") == 3:
            bench, impl, n, ops = label.split("|")
            dumps.setdefault((bench, impl, int(n)), []).append(
                (int(ops), total, path))
    for key, d in dumps.items():
        d.sort()
        if len(d) >= 2 and d[-1][0] > d[0][0]:
            res.ir[key] = (d[-1][1] - d[0][1]) / (d[-1][0] - d[0][0])
    return dumps


def run_kernel(res, smoke):
    if not os.path.exists(KERNEL_SCRIPT):
        return None
    cmd = ["sh", KERNEL_SCRIPT] + (["--smoke"] if smoke else [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, cwd=ROOT)
    for line in p.stdout.splitlines():
        f = line.split(",")
        if len(f) == 3 and re.match(r"^[0-9.]+$", f[1]):
            res.kernel.append((f[0], float(f[1]), f[2]))
        elif line.startswith("#"):
            res.kernel_notes.append(line)
    return p.returncode


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def first_line(cmd):
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True).stdout
            return out.splitlines()[0] if out else "?"
        except OSError:
            return "?"

    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "compiler": first_line(["gcc", "--version"]),
        "valgrind": first_line(["valgrind", "--version"]),
    }


def special_kernel(name):
    """Kernel lines with their own sections: B7's and the inversion's."""
    return name.startswith("kernel_wakeup_") or name in INVERSION


def kernel_values(res):
    return {n: v for n, v, _ in res.kernel}


def b7_kernel_name(cls, n):
    return "kernel_wakeup_%s_n%d" % (cls, n)


def b7_smoke(res):
    """B7 produced its numbers: ns and ticks for both classes at every N."""
    cells = []
    for cls in B7_CLASSES:
        for n in B7_HOST_NS:
            cells.append((cls, n, res.median.get(("B7", cls, n)),
                          res.values.get(("B7", cls, n, "ticks_max"))))
    ok = all(m is not None and m > 0 and t is not None
             for _, _, m, t in cells)
    return ok, "B7 wakeup latency: %s" % ", ".join(
        "%s N=%d %s ns (late <= %s ticks)" %
        (c, n, "?" if m is None else "%.1f" % m,
         "?" if t is None else "%.0f" % t) for c, n, m, t in cells)


# ---- Smoke ----------------------------------------------------------------------


def smoke():
    env = dict(os.environ, BENCH_SMOKE="1")
    res = Results()
    tests = []
    for prog in programs():
        lines = run_program(prog, env)
        if lines is None:
            res.failed.append(os.path.basename(prog))
        else:
            res.parse(lines)
    for bench in EXPECTED:
        if bench == "B8":
            vals = {k[1]: v for k, v in res.values.items() if k[0] == "B8"
                    and k[3] == "cycle_us"}
            ok = len(vals) == 2 and all(v > 0 for v in vals.values())
            tests.append((ok, "B8 spawn and reap N=1k: %s us per process" %
                          (", ".join("%s %.2f" % kv for kv in
                                     sorted(vals.items())) or "no number")))
            continue
        if bench == "B7":
            tests.append(b7_smoke(res))
            continue
        if bench == "B6":
            vals = [v for k, v in res.values.items() if k[0] == "B6"
                    and k[3] == "bytes"]
            ok = bool(vals) and all(v > 0 for v in vals)
            tests.append((ok, "B6 memory: %s bytes per process" %
                          ("%.0f" % vals[-1] if vals else "no number")))
            continue
        meds = {k: v for k, v in res.median.items() if k[0] == bench}
        ok = bool(meds) and all(v > 0 for v in meds.values())
        desc = ", ".join("%s%s %.1f" % (k[1], " N=%d" % k[2] if k[2] else "",
                                        v) for k, v in sorted(meds.items()))
        tests.append((ok, "%s: %s ns" % (bench, desc or "no number")))
    # The callgrind path, on the switch benchmark alone (valgrind is slow).
    b1 = os.path.join(BIN, "b1_switch")
    cgdir = os.path.join(OUT, "smoke-callgrind")
    shutil.rmtree(cgdir, ignore_errors=True)
    os.makedirs(cgdir)
    ok = False
    if shutil.which("valgrind") and os.path.exists(b1):
        if run_program(b1, env, os.path.join(cgdir, "b1.%p.out")):
            parse_callgrind(res, glob.glob(os.path.join(cgdir, "b1.*.out.*")))
            ok = res.ir.get(("B1", "kairos", 0), 0) > 0
    tests.append((ok, "callgrind: instructions per switch counted (B1: %s)" %
                  ("%.0f" % res.ir[("B1", "kairos", 0)] if ok else "none")))
    if os.path.exists(KERNEL_SCRIPT):
        status = run_kernel(res, True)
        plain = [(n, v) for n, v, _ in res.kernel if not special_kernel(n)]
        ok = status == 0 and len(plain) > 0
        tests.append((ok, "kernel benchmarks (QEMU -icount): %s" %
                      (", ".join("%s %.0f" % nv for nv in plain)
                       or "no number")))
        kv = kernel_values(res)
        cells = [(c, n, kv.get(b7_kernel_name(c, n)),
                  kv.get(b7_kernel_name(c, n) + "_ticks_max"))
                 for c in B7_CLASSES for n in B7_KERNEL_NS]
        ok = status == 0 and all(i is not None and i > 0 and t is not None
                                 for _, _, i, t in cells)
        tests.append((ok, "B7 kernel wakeup latency: %s" % ", ".join(
            "%s N=%d %s instr. (late <= %s ticks)" %
            (c, n, "?" if i is None else "%.0f" % i,
             "?" if t is None else "%.0f" % t) for c, n, i, t in cells)))
        waits = [kv.get(n) for n in INVERSION]
        ok = status == 0 and None not in waits
        tests.append((ok, "inversion demo in the kernel: high waited %s "
                      "ticks with inheritance, %s without" %
                      tuple("?" if w is None else "%.0f" % w
                            for w in waits)))
    print("1..%d" % len(tests))
    for i, (ok, desc) in enumerate(tests, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
    for name in res.failed:
        print("# %s failed" % name)
    return 0 if all(ok for ok, _ in tests) else 1


# ---- The full run -------------------------------------------------------------------


def fmt_n(n):
    if n >= 1000 and n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


def fmt_ns(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    return "%.1f" % v


def fmt_ratio(r):
    if r is None:
        return "-"
    if r >= 100:
        return "%.0fx" % r
    if r >= 0.1:
        return "%.2fx" % r
    return "1/%.0fx" % (1 / r) if r > 0 else "0x"


def build_rows(res):
    """One row per (bench, n, impl): the table, CSV and JSON all use them."""
    rows = []
    for bench in TITLES:
        # By N, then in the order the program measured them (Kairos first).
        keys = sorted((k for k in res.median if k[0] == bench),
                      key=lambda k: k[2])
        if not keys:
            continue
        ns = sorted({k[2] for k in keys})
        for key in keys:
            _, impl, n = key
            s = res.samples.get(key, [])
            kairos = (bench, main_impl(bench), n)
            vs_kairos, paired_k = res.paired(kairos, key)
            base = (bench, impl, ns[0])
            vs_first, paired_f = res.paired(key, base)
            rows.append({
                "bench": bench, "workload": TITLES[bench][0],
                "unit": TITLES[bench][1], "impl": impl, "n": n,
                "ns_median": res.median[key],
                "ns_min": min(s) if s else None,
                "ns_max": max(s) if s else None,
                "runs": len(s), "ops_per_run": res.ops.get(key),
                "ir_per_op": res.ir.get(key),
                "kairos_over_impl": vs_kairos if key != kairos else None,
                "kairos_over_impl_paired": paired_k,
                "over_smallest_n": vs_first if len(ns) > 1 else None,
                "smallest_n": ns[0] if len(ns) > 1 else None,
                "over_smallest_n_paired": paired_f,
            })
    return rows


def targets(res):
    """The issue's targets: (name, measured, limit text, met)."""
    out = []

    def ratio(a, b):
        return res.paired(a, b)[0]

    r = ratio(("B1", "kairos", 0), ("B1", "bare", 0))
    if r is not None:
        out.append(("B1 Kairos yield within 1.2x of the bare switch",
                    "%.2fx" % r, "<= 1.2x", r <= 1.2))
    r = ratio(("B1", "kairos", 0), ("B1", "fcontext", 0))
    if r is not None:
        out.append(("B1 Kairos yield no slower than fcontext",
                     "%.2fx" % r, "<= 1.0x", r <= 1.0))
    r = ratio(("B2", "kairos", 10000), ("B2", "kairos", 2))
    if r is not None:
        out.append(("B2 N=10k within 1.3x of N=2", "%.2fx" % r, "<= 1.3x",
                    r <= 1.3))
    for bench in ("B3all", "B3one", "B4"):
        ns = sorted({k[2] for k in res.median if k[0] == bench})
        if len(ns) < 2 or ns[-1] < 100000:
            continue
        impl = main_impl(bench)
        worst = max(ratio((bench, impl, n), (bench, impl, ns[0]))
                    for n in ns)
        out.append(("%s Kairos %s flat from N=%s to %s" %
                    (bench, impl, fmt_n(ns[0]), fmt_n(ns[-1])),
                    "worst %.2fx of N=%s" % (worst, fmt_n(ns[0])),
                    "<= 1.10x", worst <= 1.10))
        if bench != "B3all":
            g = ratio((bench, "xv6-scan", 100000), (bench, "xv6-scan", 1000))
            out.append(("%s xv6 scan grows linearly (100k vs 1k)" % bench,
                        "%.0fx" % g, ">= 50x (linear: 100x)", g >= 50))
    for order in B8_ORDERS:
        small = res.values.get(("B8", order, 1000, "cycle_us"))
        big = res.values.get(("B8", order, 100000, "cycle_us"))
        if small and big:
            out.append(("B8 %s: 100k within 2x of 1k per process" % order,
                        "%.2fx (%.2f vs %.2f us)" % (big / small, big, small),
                        "<= 2x", big / small <= 2))
    m = res.median.get(("B5", "kairos", 0))
    if m is not None:
        out.append(("B5 spawn+exit+wait cycle", "%.0f ns" % m, "<= 100 ns",
                    m <= 100))
    host_late = [res.values.get(("B7", "fifo", n, "ticks_max"))
                 for n in B7_HOST_NS]
    if None not in host_late:
        out.append(("B7 host: FIFO sleeper late at no N (0..64)",
                    "max %.0f ticks" % max(host_late), "0 ticks",
                    max(host_late) == 0))
    kv = kernel_values(res)
    k_late = [kv.get(b7_kernel_name("fifo", n) + "_ticks_max")
              for n in B7_KERNEL_NS]
    if None not in k_late:
        out.append(("B7 kernel: FIFO sleeper late at no N (1..64)",
                    "max %.0f ticks" % max(k_late), "0 ticks",
                    max(k_late) == 0))
    on, off = (kv.get(n) for n in INVERSION)
    if on is not None:
        out.append(("inversion on: high waits <= low's section",
                    "%.0f ticks" % on, "<= %d ticks" % INV_SECTION,
                    on <= INV_SECTION))
    if off is not None:
        out.append(("inversion off: medium's whole spin comes first",
                    "%.0f ticks" % off, ">= %d ticks" % INV_MEDIUM,
                    off >= INV_MEDIUM))
    for name, value, unit in res.kernel:
        if name in KERNEL_TARGETS:
            out.append(("kernel %s" % name, "%.0f %s" % (value, unit),
                        "<= %d" % KERNEL_TARGETS[name],
                        value <= KERNEL_TARGETS[name]))
    return out


def print_table(res, rows, tg, mach, out=None):
    out = out or sys.stdout

    def say(*args):
        print(*args, file=out)

    cpu = ",".join(res.info.get("cpu", ["?"])[:1])
    say("Kairos benchmarks: %s (%s CPUs; pinned to CPU %s), Linux %s" %
        (mach["cpu"], mach["cpus"], cpu, mach["kernel"]))
    say("%s; median of %s interleaved runs; Ir = instructions "
        "(callgrind, user space only)" %
        (mach["compiler"], res.info.get("runs", ["?"])[0]))
    say()
    hdr = ("workload", "N", "impl", "median ns", "min", "max", "Ir/op",
           "Kairos ÷ impl", "÷ smallest N")
    widths = (29, 5, 12, 10, 9, 9, 7, 14, 12)
    line = "  ".join(h.ljust(w) if i < 3 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(hdr, widths)))
    say(line)
    say("-" * len(line))
    last = None
    for r in rows:
        wl = r["workload"] if r["bench"] != last else ""
        last = r["bench"]
        ratio_k = fmt_ratio(r["kairos_over_impl"])
        if r["kairos_over_impl"] is not None and \
                not r["kairos_over_impl_paired"]:
            ratio_k += "*"
        ratio_n = fmt_ratio(r["over_smallest_n"])
        if r["over_smallest_n"] is not None and \
                not r["over_smallest_n_paired"]:
            ratio_n += "*"
        cells = (wl, fmt_n(r["n"]) if r["n"] else "", r["impl"],
                 fmt_ns(r["ns_median"]), fmt_ns(r["ns_min"]),
                 fmt_ns(r["ns_max"]),
                 "%.0f" % r["ir_per_op"] if r["ir_per_op"] else "-",
                 ratio_k, ratio_n)
        say("  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(cells, widths))))
    say()
    say("Ratios are medians of per-run ratios (Kairos and the other case "
        "measured in the same run);")
    say("* marks a ratio of medians instead (B4's and B7's sizes are "
        "measured one after another).  Units:")
    for bench, (title, unit) in TITLES.items():
        say("  %s: %s" % (title, unit))
    b6 = sorted((k[2], v) for k, v in res.values.items()
                if k[0] == "B6" and k[3] == "bytes")
    if b6:
        rec = res.values.get(("B6", "kairos", 0, "record"))
        ret = res.values.get(("B6", "kairos", 1000, "retained"))
        say()
        say("B6 memory: kernel heap bytes per live process "
            "(record %s B, 16 KiB stack, table share):" %
            ("%.0f" % rec if rec else "?"))
        say("  " + "  ".join("N=%s: %.0f" % (fmt_n(n), v) for n, v in b6))
        if ret is not None:
            say("  after 1,000 processes were reaped the heap held %.0f "
                "bytes more than before" % ret)
    b8 = sorted((k[2], k[1], v) for k, v in res.values.items()
                if k[0] == "B8" and k[3] == "cycle_us")
    if b8:
        say()
        say("B8 spawn N live processes, then reap them all: us per process "
            "(spawn + run + reap; spawn / reap alone):")
        for n, order, v in b8:
            sp = res.values.get(("B8", order, n, "spawn_us"))
            rp = res.values.get(("B8", order, n, "reap_us"))
            say("  N=%-5s %-13s %7.2f  (%.2f / %.2f)" %
                (fmt_n(n), order, v, sp or 0, rp or 0))
    print_b7(res, say)
    if res.kernel:
        say()
        say("Kernel (QEMU -icount, guest instructions per operation):")
        for name, value, unit in res.kernel:
            if not special_kernel(name):
                say("  %-28s %10.0f %s" % (name, value, unit))
    kv = kernel_values(res)
    if all(n in kv for n in INVERSION):
        say()
        say("Inversion demo (progs/demos.c) in the kernel, QEMU: low (FIFO "
            "10) holds a kmutex for %d ticks," % INV_SECTION)
        say("high (30) waits for it, medium (20) spins %d: high waited %.0f "
            "ticks with inheritance, %.0f without" %
            (INV_MEDIUM, kv[INVERSION[0]], kv[INVERSION[1]]))
    say()
    say("Targets (issues #4, #8 and #9):")
    for name, got, limit, met in tg:
        say("  %-50s %-22s %-22s %s" % (name, got, limit,
                                        "met" if met else "MISSED"))


def print_b7(res, say):
    """B7: host and kernel side by side, by N and the sleeper's class."""
    if not any(k[0] == "B7" for k in res.median):
        return
    kv = kernel_values(res)
    say()
    say("B7 wakeup latency: a sleeper on sleep_ticks(3) among N CPU-bound "
        "SCHED_OTHER spinners,")
    say("from the tick that expires its timer to it running.  Host: a "
        "simulated tick every 200 spinner")
    say("iterations; kernel: QEMU -icount, hz=1000 (a tick every ~1M "
        "instructions).")
    hdr = ("N", "sleeper", "host late (mean/max)", "host ns", "host Ir",
           "kernel late (median/max)", "kernel instr.")
    widths = (4, 8, 21, 9, 9, 25, 14)
    say("  " + "  ".join(h.rjust(w) for h, w in zip(hdr, widths)))
    for n in B7_HOST_NS:
        for cls in B7_CLASSES:
            mean = res.values.get(("B7", cls, n, "ticks_mean"))
            mx = res.values.get(("B7", cls, n, "ticks_max"))
            ns = res.median.get(("B7", cls, n))
            ir = res.ir.get(("B7", cls, n))
            kname = b7_kernel_name(cls, n)
            kt, ktm, ki = (kv.get(kname + "_ticks"),
                           kv.get(kname + "_ticks_max"), kv.get(kname))
            cells = (str(n), cls,
                     "-" if mean is None else "%.2f / %.0f" % (mean, mx),
                     fmt_ns(ns), "-" if ir is None else "%.0f" % ir,
                     "-" if kt is None else "%.0f / %.0f" % (kt, ktm),
                     "-" if ki is None else "%.0f" % ki)
            say("  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths)))
    say("  (kernel N=0 is not measured: with nothing to run the CPU halts "
        "and -icount jumps its clock)")


def write_outputs(res, rows, tg, mach, dumps):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "raw.csv"), "w") as f:
        f.write("\n".join(res.raw) + "\n")
    cols = ["bench", "workload", "impl", "n", "ns_median", "ns_min", "ns_max",
            "runs", "ops_per_run", "ir_per_op", "kairos_over_impl",
            "over_smallest_n", "value", "value_unit"]

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, float):
            return str(int(v)) if v == int(v) else "%.4g" % v
        return str(v)

    with open(os.path.join(OUT, "results.csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(cell(r.get(c)) for c in cols) + "\n")
        for (b, impl, n, metric), v in sorted(res.values.items()):
            if b == "B8":
                r = {"bench": b, "workload": "B8 spawn and reap: " +
                     B8_METRICS.get(metric, metric), "impl": impl, "n": n,
                     "value": v, "value_unit": "us"}
            elif b == "B7":
                r = {"bench": b, "workload": "B7 wakeup latency: " + metric,
                     "impl": impl, "n": n, "value": v,
                     "value_unit": "ticks"}
            else:
                r = {"bench": b, "workload": "B6 memory: " +
                     B6_METRICS.get(metric, metric), "impl": impl, "n": n,
                     "value": v,
                     "value_unit": "allocs" if metric == "allocs" else "bytes"}
            f.write(",".join(cell(r.get(c)) for c in cols) + "\n")
        for name, value, unit in res.kernel:
            r = {"bench": "kernel", "workload": name, "impl": "kairos",
                 "n": 0, "value": value, "value_unit": unit}
            f.write(",".join(cell(r.get(c)) for c in cols) + "\n")
    doc = {
        "machine": mach,
        "pinned_cpu": res.info.get("cpu", ["?"])[0],
        "runs": res.info.get("runs", ["?"])[0],
        "host": rows,
        "memory": [{"bench": b, "impl": i, "n": n, "metric": m, "value": v}
                   for (b, i, n, m), v in sorted(res.values.items())],
        "kernel": [{"name": n, "value": v, "unit": u}
                   for n, v, u in res.kernel],
        "kernel_notes": res.kernel_notes,
        "targets": [{"target": n, "measured": g, "limit": l, "met": m}
                    for n, g, l, m in tg],
        "command": "make bench",
    }
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    # The hot paths of Kairos, for whoever optimises the core.
    for key, d in dumps.items():
        if key[1] == "kairos":
            name = "annotate-%s-%d.txt" % (key[0], key[2])
            with open(os.path.join(OUT, "callgrind", name), "w") as f:
                subprocess.run(["callgrind_annotate", "--threshold=100",
                                d[-1][2]], stdout=f, stderr=subprocess.DEVNULL)


def charts(res):
    """The scaling curves as PNG, through bench/plot.gp."""
    specs = [
        ("b2_round_robin", "B2 round robin: one switch among N runnable",
         "ns per switch", [("B2", "kairos", "Kairos")]),
        ("b3_pick_next", "B3 pick-next: the run-queue operation alone",
         "ns per pick + enqueue",
         [("B3all", "kairos-rt", "Kairos RT class, all N ready"),
          ("B3all", "kairos-fair", "Kairos fair class (EEVDF), all N ready"),
          ("B3all", "xv6-scan", "xv6 scan, all N ready"),
          ("B3one", "kairos-rt", "Kairos RT class, 1 of N ready"),
          ("B3one", "kairos-fair", "Kairos fair class, 1 of N ready"),
          ("B3one", "xv6-scan", "xv6 scan, 1 of N ready")]),
        ("b4_wake", "B4 wake one waiter, N blocked on other channels",
         "ns per wake", [("B4", "kairos", "Kairos wake_channel"),
                         ("B4", "xv6-scan", "xv6 full-scan wakeup")]),
    ]
    b8 = [("B8", o, "Kairos, reaped " + o.replace("-", " ")) for o in B8_ORDERS]
    made = []
    if not shutil.which("gnuplot"):
        log("bench: gnuplot not found, no charts")
        return made
    b8_values = {(b, i, n): v for (b, i, n, m), v in res.values.items()
                 if b == "B8" and m == "cycle_us"}
    specs.append(("b8_reap", "B8 spawn N live processes, then reap them all",
                  "us per process", b8))
    for name, title, ylabel, series in specs:
        src = b8_values if name == "b8_reap" else res.median
        ns = sorted({k[2] for k in src
                     if any(k[0] == s[0] for s in series)})
        if not ns:
            continue
        dat = os.path.join(OUT, name + ".dat")
        with open(dat, "w") as f:
            f.write("N " + " ".join('"%s"' % s[2] for s in series) + "\n")
            for n in ns:
                vals = [src.get((b, i, n)) for b, i, _ in series]
                f.write("%d %s\n" % (n, " ".join(
                    "NaN" if v is None else "%.4f" % v for v in vals)))
        png = os.path.join(OUT, name + ".png")
        subprocess.run(["gnuplot", "-e",
                        "data='%s'; out='%s'; title='%s'; ylabel='%s'" %
                        (dat, png, title, ylabel),
                        os.path.join(ROOT, "bench", "plot.gp")], check=True)
        made.append(png)
    return made


def full():
    env = dict(os.environ)
    res = Results()
    mach = machine()
    for prog in programs():
        log("bench: timing %s" % os.path.basename(prog))
        lines = run_program(prog, env)
        if lines is None:
            res.failed.append(os.path.basename(prog))
        else:
            res.parse(lines)
    cgdir = os.path.join(OUT, "callgrind")
    shutil.rmtree(cgdir, ignore_errors=True)
    os.makedirs(cgdir)
    dumps = {}
    if shutil.which("valgrind"):
        for prog in programs():
            name = os.path.basename(prog)
            log("bench: counting %s under callgrind" % name)
            if run_program(prog, env, os.path.join(cgdir, name + ".%p.out")):
                dumps.update(parse_callgrind(res, glob.glob(
                    os.path.join(cgdir, name + ".*.out.*"))))
    else:
        log("bench: valgrind not found, no instruction counts")
    if os.path.exists(KERNEL_SCRIPT):
        log("bench: kernel benchmarks (bench/kernel/run.sh)")
        if run_kernel(res, False) != 0:
            res.failed.append("bench/kernel/run.sh")
    rows = build_rows(res)
    tg = targets(res)
    print_table(res, rows, tg, mach)
    write_outputs(res, rows, tg, mach, dumps)
    pngs = charts(res)
    os.makedirs(DOCS, exist_ok=True)
    for f in ["results.csv", "results.json"] + [os.path.basename(p)
                                                for p in pngs]:
        shutil.copy(os.path.join(OUT, f), os.path.join(DOCS, f))
    with open(os.path.join(DOCS, "results.txt"), "w") as f:
        print_table(res, rows, tg, mach, f)
    print()
    print("Written: build/bench/results.{csv,json}, raw.csv, callgrind/; "
          "docs/bench/ (results, charts)")
    for name in res.failed:
        print("FAILED: %s" % name)
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(smoke() if "--smoke" in sys.argv[1:] else full())
