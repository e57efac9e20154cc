#!/usr/bin/env python3
"""End-to-end tests: boot the image `make run` boots and drive its shell
over the serial console, as a user would.  Prints TAP.

    python3 tests/e2e/e2e.py build/kairos.bin [build/kairos.iso]

Each boot runs QEMU with the serial port on a pipe; a wall-clock timeout on
every wait turns a hang into a failure.  E2E_ONLY=REGEX runs only the
cases whose names match (the shell cases need the "boot:" case first).
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

QEMU = ["qemu-system-x86_64", "-machine", "pc", "-m", "128M", "-no-reboot",
        "-display", "none", "-monitor", "none", "-serial", "stdio"]
PROMPT = "kairos> "
WAIT = 30  # seconds any single expected output may take


class Machine:
    """A QEMU process whose serial console we can read and type into."""

    def __init__(self, args, initrd=None):
        initrd = initrd or os.environ.get("INITRD")
        if "-kernel" in args and initrd:  # the boot module
            args = args + ["-initrd", initrd]
        self.proc = subprocess.Popen(QEMU + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = ""
        self.seen = 0  # output before this index has been matched
        self.lock = threading.Lock()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            data = self.proc.stdout.read1(4096)
            if not data:
                return
            with self.lock:
                self.out += data.decode("latin-1").replace("\r", "")

    def expect(self, pattern, timeout=WAIT):
        """Wait for a regex in the output after the last match; return it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                m = re.compile(pattern).search(self.out, self.seen)
                if m:
                    self.seen = m.end()
                    return m
            if self.proc.poll() is not None:
                time.sleep(0.2)
                with self.lock:
                    m = re.compile(pattern).search(self.out, self.seen)
                if m:
                    self.seen = m.end()
                    return m
                break
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %r; last output:\n%s"
                             % (pattern, self.out[-600:]))

    def type(self, text):
        """Type text slowly enough for a 16-byte UART FIFO."""
        for i in range(0, len(text), 8):
            self.proc.stdin.write(text[i:i + 8].encode())
            self.proc.stdin.flush()
            time.sleep(0.02)

    def command(self, line):
        """Type a line and return the output up to the next prompt."""
        self.type(line + "\r")
        start = self.seen
        self.expect(re.escape(PROMPT))
        return self.out[start:self.seen]

    def wait_exit(self, timeout=WAIT):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


results = []


def case(name):
    def wrap(fn):
        results.append((name, fn))
        return fn
    return wrap


def boot(image, append="", extra=()):
    m = Machine(["-kernel", image, "-append", append] + list(extra))
    m.expect(re.escape(PROMPT))
    return m


IMAGE = sys.argv[1]
ISO = sys.argv[2] if len(sys.argv) > 2 else None
shell = None  # one machine shared by the shell cases, booted by the first


@case("boot: banner shows version, memory, timer rate and boot time")
def _():
    global shell
    shell = Machine(["-kernel", IMAGE, "-append", ""])
    m = shell.expect(r"Kairos (\d+\.\d+\.\d+) \(x86_64\), booted by (.+)\n")
    assert m.group(2).startswith("qemu"), m.group(2)
    m = shell.expect(r"memory: (\d+) MiB usable \((\d+) frames\), (\d+) MiB free")
    assert 100 <= int(m.group(1)) <= 128, m.group(0)
    shell.expect(r"timer: 100 Hz")
    m = shell.expect(r"boot: (\d+)\.(\d{3}) ms")
    shell.expect(re.escape(PROMPT))


@case("shell: help lists the commands")
def _():
    out = shell.command("help")
    for name in ("help", "mem", "uptime", "halt"):
        assert re.search(r"^\s+%s\s" % name, out, re.M), out


@case("shell: mem shows frame and heap counters that add up")
def _():
    out = shell.command("mem")
    m = re.search(r"frames: (\d+) total, (\d+) free, (\d+) in use", out)
    assert m, out
    total, free, used = map(int, m.groups())
    assert total == free + used and free > 0, out
    m = re.search(r"heap: (\d+) bytes in use, (\d+) live allocations", out)
    assert m and int(m.group(2)) > 0, out  # the driver registry lives there


def mem_counters():
    out = shell.command("mem")
    m = re.search(r"frames: \d+ total, \d+ free, (\d+) in use", out)
    h = re.search(r"heap: (\d+) bytes in use, (\d+) live allocations", out)
    p = re.search(r"heap pools: (\d+) \((\d+) bytes\)", out)
    assert m and h and p, out
    return {"frames in use": int(m.group(1)), "heap bytes": int(h.group(1)),
            "live allocations": int(h.group(2)), "pools": int(p.group(1)),
            "pool bytes": int(p.group(2))}


@case("shell: mem is back to its baseline after processes come and go")
def _():
    before = mem_counters()
    out = shell.command("spawn pingpong 10")
    assert "started" in out, out
    shell.command("wait")
    out = shell.command("spawn burst 1000")
    assert "started" in out, out
    out = shell.command("wait")
    assert "burst: 1000 children live at once" in out, out
    assert "burst: all 1000 reaped" in out, out
    after = mem_counters()
    assert after == before, (before, after)


@case("shell: uptime advances")
def _():
    a = re.search(r"up (\d+)\.(\d+) s \((\d+) ticks at 100 Hz\)",
                  shell.command("uptime"))
    time.sleep(0.3)
    b = re.search(r"up (\d+)\.(\d+) s \((\d+) ticks at 100 Hz\)",
                  shell.command("uptime"))
    assert a and b and int(b.group(3)) > int(a.group(3)), (a, b)


def uptime_ticks():
    m = re.search(r"\((\d+) ticks at 100 Hz\)", shell.command("uptime"))
    assert m, "no uptime"
    return int(m.group(1))


@case("shell: sleep 1 takes one second of uptime, sleep 0.25 a quarter")
def _():
    for arg, ticks in (("1", 100), ("0.25", 25)):
        a = uptime_ticks()
        out = shell.command("sleep " + arg)
        b = uptime_ticks()
        assert "sleep:" not in out and "usage" not in out, out
        # never short; the slack (1 s) is typing two commands on a busy host
        assert ticks <= b - a < ticks + 100, (arg, a, b)


@case("shell: sleep with bad input gets the usage line")
def _():
    for arg in ("", "x", "-1", "1x", "1.", ".5", "0.1234567891",
                "1234567890", "1 2"):
        out = shell.command(("sleep " + arg).strip())
        assert "usage: sleep" in out, (arg, out)


@case("shell: an unknown command gets a clear message")
def _():
    out = shell.command("frobnicate now")
    assert "unknown command 'frobnicate'" in out, out


@case("shell: extra arguments get the usage line")
def _():
    out = shell.command("mem please")
    assert "usage: mem" in out, out


@case("shell: an over-long line is refused with a message")
def _():
    out = shell.command("x" * 200)
    assert "line too long" in out, out


@case("shell: backspace edits the line")
def _():
    out = shell.command("hx\x7felp")
    assert re.search(r"^\s+uptime\s", out, re.M), out


UPTIME = re.compile(r"^up \d+\.\d+ s \(\d+ ticks", re.M)
MEM = re.compile(r"^frames: \d+ total", re.M)


@case("shell: Up recalls earlier lines, Down goes forward; CSI and SS3 "
      "sequences insert nothing")
def _():
    shell.command("mem")
    shell.command("uptime")
    out = shell.command("\x1b[A")  # Up: the last line, run again
    assert UPTIME.search(out) and not MEM.search(out), out
    out = shell.command("\x1b[A\x1b[A")  # "uptime" was not stored twice
    assert MEM.search(out) and not UPTIME.search(out), out
    # History is now ..., mem, uptime, mem: SS3 Up twice, CSI Down once.
    out = shell.command("\x1bOA\x1bOA\x1b[B")
    assert MEM.search(out) and not UPTIME.search(out), out
    out = shell.command("\x1b[B\x1b[1;5Bup\x1b[Cti\x1b[Dme\x1bOP")
    assert UPTIME.search(out) and "[" not in out and "unknown" not in out, \
        out


# ---- Processes: the shell is pid 2 under init; demos are its children ----

PS_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(ready|running|blocked|zombie)\s+"
                    r"(\S+)\s+(OTHER|FIFO|RR)\s+(\d+)\s+(\d+)\s+(-?\d+)\s+"
                    r"(\d+\.\d|-)\s+(\d+)\s+(\d+)\s+(\S+)$", re.M)
STATS = re.compile(r"processes: (\d+) \(ready (\d+), running (\d+), "
                   r"blocked (\d+), zombie (\d+): sum (\d+), (adds up|MISMATCH)")


def ps():
    """The ps table: {pid: (ppid, state, name, slices, wait, policy,
    priority, effective priority, nice, CPU share in % or None, resident
    KiB)}."""
    return {int(m.group(1)): (int(m.group(2)), m.group(3), m.group(4),
                              int(m.group(11)), m.group(12), m.group(5),
                              int(m.group(6)), int(m.group(7)),
                              int(m.group(8)),
                              None if m.group(9) == "-" else float(m.group(9)),
                              int(m.group(10)))
            for m in PS_ROW.finditer(shell.command("ps"))}


def stats():
    out = shell.command("stats")
    m = STATS.search(out)
    assert m, out
    orphans = re.search(r"orphans reaped by init: (\d+)", out)
    assert orphans, out
    return [int(x) for x in m.groups()[:6]], int(orphans.group(1)), out


def until(what, fn, timeout=WAIT):
    """Call fn until it returns a true value (commands are its output)."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.time() < deadline, "never happened: %s" % what


@case("ps: idle, init waiting for a child, and the shell, one line each")
def _():
    t = ps()
    assert sorted(t) == [0, 1, 2], t
    assert t[0][2] == "idle" and t[0][1] == "ready", t
    assert t[1][:5] == (0, "blocked", "init", t[1][3], "child"), t
    for row in t.values():  # the defaults, inherited from idle
        assert row[5:9] == ("OTHER", 0, 0, 0), t
    assert t[2][:3] == (1, "running", "sh") and t[2][4] == "-", t


@case("stats: per-state counts add up, and match ps")
def _():
    t = ps()
    (procs, ready, running, blocked, zombie, total), _, out = stats()
    assert "adds up" in out, out
    assert ready + running + blocked + zombie == procs == total, out
    states = [row[1] for row in t.values()]
    assert procs == len(t), (out, t)
    assert (ready, running, blocked, zombie) == tuple(
        states.count(s) for s in ("ready", "running", "blocked", "zombie")), \
        (out, t)
    m = re.search(r"slices: (\d+), switches: (\d+), preemptions: (\d+), "
                  r"reschedule pending: (yes|no)", out)
    assert m and int(m.group(2)) > 0, out


@case("wait: with no children says so")
def _():
    out = shell.command("wait")
    assert "wait: no children" in out, out


@case("dump 1: init's pid, parent, state, stack, descriptors, regions")
def _():
    out = shell.command("dump 1")
    assert re.search(r"pid 1 ppid 0 name init state blocked channel 0x[0-9a-f]+"
                     r" slices \d+", out), out
    assert re.search(r"rip=[0-9a-f]+ <\w+\+0x[0-9a-f]+>", out), out
    assert re.search(r"stack: \[0x[0-9a-f]+, 0x[0-9a-f]+\) 16384 bytes, "
                     r"high-water \d+ bytes, canary intact", out), out
    assert "fds: 0=keyboard 1=console 2=console" in out, out
    assert re.search(r"regions: \d+ bytes", out), out  # the stack is not one
    out = shell.command("dump 999")
    assert "dump: no process 999" in out, out


@case("spawn: bad demos, numbers and argument counts get messages")
def _():
    bad = {
        "spawn frob": "spawn: unknown demo 'frob'",
        "spawn spin 0": "spawn: 0 is out of range (1 to 64)",
        "spawn spin 65": "spawn: 65 is out of range (1 to 64)",
        "spawn tree 7": "spawn: 7 is out of range (1 to 6)",
        "spawn yield 99999999999999999999999":
            "spawn: 99999999999999999999999 is out of range",
        "spawn pingpong ten": "spawn: 'ten' is not a number",
        "spawn spin 1 2": "usage: spawn <demo> [n]",
        "dump one": "dump: 'one' is not a number",
        "exit 256": "exit: 256 is out of range (0 to 255)",
    }
    for line, msg in bad.items():
        out = shell.command(line)
        assert msg in out, (line, out)
        assert "started" not in out, (line, out)
    assert sorted(ps()) == [0, 1, 2]  # nothing was spawned
    out = shell.command("spawn")
    for demo in ("spin", "pingpong", "tree", "yield"):
        assert re.search(r"^\s+%s\s+\[n\]" % demo, out, re.M), out


@case("spawn pingpong 100: two processes block and wake each other 100 times")
def _():
    out = shell.command("spawn pingpong 100")
    pid = int(re.search(r"\[pid (\d+)\] pingpong started", out).group(1))
    m = shell.expect(r"pingpong: (\d+) rounds of (\d+) \(ping (\d+) blocked "
                     r"(\d+) times, pong (\d+) blocked (\d+) times\)")
    assert m.group(1) == m.group(2) == "100", m.group(0)
    assert int(m.group(4)) > 0 and int(m.group(6)) > 0, m.group(0)  # blocked
    until("the shell reaps pingpong", lambda: re.search(
        r"\[pid %d\] pingpong exited with code 0" % pid,
        shell.command("uptime")))
    assert sorted(ps()) == [0, 1, 2]  # ping and pong were reaped too


@case("spawn inversion: with inheritance high waits at most low's section, "
      "less than without")
def _():
    waited = {}
    for arg, mode in (("1", "on"), ("0", "off")):
        shell.command("spawn inversion " + arg)
        m = shell.expect(r"inversion: inheritance %s: high waited (\d+) ticks "
                         r"\(low's section (\d+) ticks, medium spins (\d+)\)"
                         % mode)
        waited[mode] = int(m.group(1))
        section, medium = int(m.group(2)), int(m.group(3))
    assert waited["on"] <= section, waited  # bounded by the critical section
    assert waited["off"] >= medium, waited  # medium's whole spin came first
    assert waited["on"] < waited["off"], waited
    assert "spawn: 2 is out of range (0 to 1)" in \
        shell.command("spawn inversion 2")


@case("spawn tree: root reaps its children, init the orphans; no zombie left")
def _():
    _, before, _ = stats()
    mark = len(shell.out)
    out = shell.command("spawn tree")
    root = int(re.search(r"\[pid (\d+)\] tree started", out).group(1))
    shell.expect(r"tree: root %d, depth 3: 7 processes, 4 of them orphans"
                     % root)
    shell.expect(r"tree: root %d done" % root)

    def settled():
        t = ps()
        _, orphans, _ = stats()
        if sorted(t) == [0, 1, 2] and orphans == before + 4:
            return t
        assert orphans <= before + 4, orphans
    t = until("tree gone, 4 orphans reaped by init", settled)
    assert all(row[1] != "zombie" for row in t.values()), t
    out = shell.out[mark:]
    assert re.search(r"\[pid %d\] tree exited with code 0" % root, out), out
    assert len(re.findall(r"tree: \d+ leaf, parent \d+", out)) == 4, out
    assert len(re.findall(r"tree: root reaped \d+ \(code 0\)", out)) == 2, out


@case("spawn spin 3: three spinners share the CPU; slices grow; wait reaps")
def _():
    mark = len(shell.out)
    out = shell.command("spawn spin 3")
    pids = [int(p) for p in re.findall(r"\[pid (\d+)\] spin started", out)]
    assert len(pids) == 3, out
    first = ps()
    for pid in pids:
        assert first[pid][:3] == (2, "ready", "spin") or \
            first[pid][:3] == (2, "running", "spin"), first

    def all_grew():
        t = ps()
        return all(t[p][3] > first[p][3] for p in pids)
    until("every spinner's slices grow", all_grew, timeout=10)
    assert "preemptions" in stats()[2]
    reaped = set()

    def reap():  # each wait blocks until a spinner is done (2 s of CPU each)
        for m in re.finditer(r"\[pid (\d+)\] spin exited with code 0",
                             shell.command("wait")):
            reaped.add(int(m.group(1)))
        return reaped == set(pids)
    until("wait reaps the spinners", reap)
    used = re.findall(r"spin: pid \d+ used (\d+) slices", shell.out[mark:])
    assert len(used) == 3 and all(int(u) >= 200 for u in used), used
    assert "wait: no children" in shell.command("wait")


@case("kill: spawn spin 2, kill one by number and one by name, ps shows "
      "them gone; refusals by name; bad input gets the usage")
def _():
    out = shell.command("spawn spin 2")
    pids = [int(p) for p in re.findall(r"\[pid (\d+)\] spin started", out)]
    assert len(pids) == 2, out
    for pid, how, sig in ((pids[0], "-9", "SIGKILL"),
                          (pids[1], "-TERM", "SIGTERM")):
        mark = len(shell.out)
        out = shell.command("kill %s %d" % (how, pid))
        assert "kill:" not in out and "usage" not in out, out
        until("pid %d gone from ps" % pid, lambda: pid not in ps(), timeout=10)
        assert re.search(r"\[pid %d\] spin killed by %s" % (pid, sig),
                         shell.out[mark:]), shell.out[mark:]
    assert "kill: 1: EPERM" in shell.command("kill 1")
    assert "kill: 99999: ESRCH" in shell.command("kill -KILL 99999")
    for bad in ("kill", "kill -9", "kill -FOO 5", "kill x", "kill -99 5",
                "kill 5 6"):
        assert "usage: kill" in shell.command(bad), bad


@case("kill: pingpong killed mid-game stops its players (init reaps them); "
      "memory is back to its baseline")
def _():
    before = mem_counters()
    out = shell.command("spawn pingpong 100000000")
    pid = int(re.search(r"\[pid (\d+)\] pingpong started", out).group(1))
    names = lambda: {row[2] for row in ps().values()}
    until("ping and pong play", lambda: {"ping", "pong"} <= names())
    mark = len(shell.out)
    shell.command("kill -9 %d" % pid)
    until("ping and pong gone", lambda: not ({"ping", "pong"} & names()),
          timeout=10)
    assert re.search(r"\[pid %d\] pingpong killed by SIGKILL" % pid,
                     shell.out[mark:]), shell.out[mark:]
    until("mem back to its baseline", lambda: mem_counters() == before)


def ctrl_c_until(pattern):
    """Type ctrl-C every half second until pattern appears (at most 20
    times): the shell makes a program its foreground a moment after it
    starts, and a ctrl-C before that reaches no program."""
    for _ in range(20):
        shell.type("\x03")
        try:
            return shell.expect(pattern, timeout=0.5)
        except AssertionError:
            pass
    raise AssertionError("no %r after 20 ctrl-Cs" % pattern)


@case("ctrl-C stops a sleep 100: the prompt returns at once")
def _():
    a = uptime_ticks()
    shell.type("sleep 100\r")
    start = shell.seen
    ctrl_c_until(re.escape(PROMPT))  # the sleep in the foreground, ended
    out = shell.out[start:shell.seen]
    assert "sleep: interrupted" in out, out
    assert uptime_ticks() - a < 1000, "the sleep ran its course"


def implied_age(slices, share):
    """The ticks since spawn that ps's share (rounded down to 0.1%) of
    slices allows: (least, most)."""
    return slices * 100 / (share + 0.1), slices * 100 / max(share, 1e-9)


@case("nice, renice, chrt: ps shows the nice, policy and priorities they "
      "set; CPU share counts from the spawn")
def _():
    a = uptime_ticks()
    out = shell.command("nice 10 spin 2")
    pids = [int(p) for p in re.findall(r"\[pid (\d+)\] spin started", out)]
    assert len(pids) == 2, out
    t = ps()
    b = uptime_ticks()
    for pid in pids:
        assert t[pid][5:9] == ("OTHER", 0, 0, 10), t
        share = t[pid][9]
        assert share is not None and 0 <= share <= 100, t
        if t[pid][3] > 0 and share > 0:  # spawned between a and b
            assert implied_age(t[pid][3], share)[0] <= b - a + 1, (a, b, t)
    assert t[2][5:9] == ("OTHER", 0, 0, 0), t  # the shell went back
    out = shell.command("renice -5 %d" % pids[0])
    assert "renice: pid %d nice 10 -> -5" % pids[0] in out, out
    t = ps()
    assert t[pids[0]][8] == -5 and t[pids[1]][8] == 10, t
    # init sleeps in wait, so a real-time init hogs nothing
    out = shell.command("chrt -f 20 1")
    assert "chrt: pid 1 OTHER 0 -> FIFO 20" in out, out
    assert ps()[1][5:8] == ("FIFO", 20, 20)
    out = shell.command("chrt -o 0 1")
    assert "chrt: pid 1 FIFO 20 -> OTHER 0" in out, out
    assert ps()[1][5:8] == ("OTHER", 0, 0)
    for pid in pids:
        shell.command("kill -9 %d" % pid)
    until("the nice spinners gone", lambda: not set(pids) & set(ps()))
    # Three RR spinners rotate (6 s of CPU between them): ps sees them all.
    out = shell.command("chrt -r 10 spin 3")
    pids = [int(p) for p in re.findall(r"\[pid (\d+)\] spin started", out)]
    assert len(pids) == 3, out
    t = ps()
    for pid in pids:
        assert t[pid][5:9] == ("RR", 10, 10, 0), t
    assert t[2][5:9] == ("OTHER", 0, 0, 0), t
    for pid in pids:
        shell.command("kill -9 %d" % pid)
    until("the RR spinners gone", lambda: not set(pids) & set(ps()))


@case("nice, renice, chrt: bad lines get their messages and change nothing")
def _():
    bad = {
        "nice": "usage: nice N <demo> [n]",
        "nice 5": "usage: nice N <demo> [n]",
        "nice 20 spin": "nice: 20 is out of range (-20 to 19)",
        "nice -21 spin": "nice: -21 is out of range (-20 to 19)",
        "nice x spin": "nice: 'x' is not a number",
        "nice 5 frob": "nice: unknown demo 'frob'",
        "nice 5 spin 65": "nice: 65 is out of range (1 to 64)",
        "renice 5": "usage: renice N PID",
        "renice 5 99999": "renice: no process 99999",
        "renice 5 0": "renice: 0 is out of range (1 to 2147483647)",
        "renice - 1": "renice: '-' is not a number",
        "renice 99 1": "renice: 99 is out of range (-20 to 19)",
        "chrt -f 5": "usage: chrt -f|-r|-o PRIO <demo> [n] | PID",
        "chrt -x 5 spin": "usage: chrt -f|-r|-o PRIO <demo> [n] | PID",
        "chrt -f 5 1 2": "usage: chrt -f|-r|-o PRIO <demo> [n] | PID",
        "chrt -f 0 spin": "chrt: 0 is out of range (1 to 99)",
        "chrt -r 100 1": "chrt: 100 is out of range (1 to 99)",
        "chrt -o 5 1": "chrt: 5 is out of range (0 to 0)",
        "chrt -f five 1": "chrt: 'five' is not a number",
        "chrt -f 5 99999": "chrt: no process 99999",
        "chrt -f 5 frob": "chrt: unknown demo 'frob'",
        "chrt -f 5 0": "chrt: 0 is out of range (1 to 2147483647)",
    }
    for line, msg in bad.items():
        out = shell.command(line)
        assert msg in out, (line, out)
        assert "started" not in out and " -> " not in out, (line, out)
    t = ps()
    assert sorted(t) == [0, 1, 2], t  # nothing was spawned
    for row in t.values():
        assert row[5:9] == ("OTHER", 0, 0, 0), t  # nor changed


TOP_FRAME = r"top: frame (\d+), up \d+\.\d+ s, (\d+) processes; CPU share " \
            r"over the last (\d+) ticks; any key quits\n"
TOP_ROW = re.compile(r"^\s*(\d+) (\S+)\s+(ready|running|blocked|zombie)\s+"
                     r"(OTHER|FIFO|RR)\s+(\d+)\s+(-?\d+)\s+(\d+\.\d|-)$", re.M)


@case("top: redraws every second, busiest first, until a key; ctrl-C ends "
      "it too")
def _():
    out = shell.command("spawn spin 1")
    spin = int(re.search(r"\[pid (\d+)\] spin started", out).group(1))
    shell.type("top\r")
    shell.expect(TOP_FRAME)
    m = shell.expect(TOP_FRAME)  # a redraw
    assert int(m.group(1)) == 2 and int(m.group(2)) >= 5, m.group(0)
    start = shell.seen
    m3 = shell.expect(TOP_FRAME)  # and another: frame 2 is complete
    rows = TOP_ROW.findall(shell.out[start:m3.start()])
    assert rows and int(rows[0][0]) == spin, rows  # the spinner leads
    shares = [float(r[6]) for r in rows]
    assert shares == sorted(shares, reverse=True), rows
    assert shares[0] > 50 and sum(shares) <= 100.5, rows
    shell.type("q")
    m = shell.expect(r"top: (\d+) frames\n")
    assert int(m.group(1)) >= 3, m.group(0)
    shell.expect(re.escape(PROMPT))
    out = shell.command("uptime")  # the key went to top, not the shell
    assert "unknown command" not in out and out.count("up ") == 1, out
    shell.type("top\r")
    shell.expect(TOP_FRAME)
    shell.type("\x03")
    shell.expect(r"top: interrupted\n")
    shell.expect(re.escape(PROMPT))
    shell.command("kill -9 %d" % spin)
    until("the spinner gone", lambda: spin not in ps())


# Linux's sched_prio_to_weight for nice 0..19.
WEIGHTS = [1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
           110, 87, 70, 56, 45, 36, 29, 23, 18, 15]


@case("fair: spinners at nice 0, 5, 10, 15 get their weights' shares, "
      "within the tolerance the demo prints")
def _():
    shell.command("spawn fair 4")
    m = shell.expect(r"fair: 4 spinners, nice 0 to 15, for (\d+) ticks\n")
    rows = []
    for _ in range(4):
        r = shell.expect(r"fair: pid (\d+) nice (\d+) weight (\d+): (\d+) "
                         r"ticks, share (\d+\.\d)%, weight share (\d+\.\d)%, "
                         r"error ([-+]\d+\.\d) points\n")
        rows.append([int(r.group(i)) for i in range(1, 5)] +
                    [float(r.group(i)) for i in range(5, 8)])
    v = shell.expect(r"fair: largest error (\d+\.\d) points, tolerance "
                     r"(\d+\.\d): (within|OUTSIDE)\n")
    tol = float(v.group(2))
    assert tol <= 5.0, v.group(0)
    total_w = sum(WEIGHTS[r[1]] for r in rows)
    total_t = sum(r[3] for r in rows)
    assert [r[1] for r in rows] == [0, 5, 10, 15], rows
    assert total_t > 0, rows
    for pid, nice, w, ticks, share, want, err in rows:
        assert w == WEIGHTS[nice], rows
        assert abs(want - 100.0 * w / total_w) <= 0.1, rows
        assert abs(share - 100.0 * ticks / total_t) <= 0.1, rows
        assert abs(share - want) <= tol + 0.1, rows  # what it claims
    assert v.group(3) == "within", v.group(0)
    until("fair reaped", lambda: re.search(r"fair exited with code 0",
                                          shell.command("uptime")))
    assert sorted(ps()) == [0, 1, 2]  # the spinners were reaped too
    assert "spawn: 5 is out of range (1 to 4)" in shell.command("spawn fair 5")


@case("trace: on, pingpong, dump; trace2json's JSON shows ping and pong "
      "switching")
def _():
    assert re.search(r"trace: off, \d+ events recorded, \d+ overwritten "
                     r"\(ring of 4096\)", shell.command("trace"))
    for bad in ("trace bogus", "trace on off"):
        assert "usage: trace [on|off|dump]" in shell.command(bad), bad
    shell.command("trace on")
    out = shell.command("spawn pingpong 20")
    pid = int(re.search(r"\[pid (\d+)\] pingpong started", out).group(1))
    m = shell.expect(r"pingpong: 20 rounds of 20 \(ping (\d+) blocked \d+ "
                     r"times, pong (\d+) blocked")
    ping, pong = int(m.group(1)), int(m.group(2))
    until("the shell reaps pingpong", lambda: re.search(
        r"\[pid %d\] pingpong exited with code 0" % pid,
        shell.command("uptime")))
    shell.command("trace off")
    m = re.search(r"trace: off, (\d+) events recorded, 0 overwritten",
                  shell.command("trace"))
    assert m and int(m.group(1)) > 80, m  # 20 rounds: 4 events each at least
    dump = shell.command("trace dump")
    assert re.search(r"^trace-end printed=%s lost=0$" % m.group(1), dump,
                     re.M), dump[-300:]
    with tempfile.TemporaryDirectory() as d:
        log, js = os.path.join(d, "serial.log"), os.path.join(d, "t.json")
        with open(log, "w") as f:
            f.write(shell.out)  # the whole capture, earlier output included
        r = subprocess.run([sys.executable, "tools/trace2json.py", log, "-o",
                            js], capture_output=True, text=True, timeout=WAIT)
        assert r.returncode == 0, r.stderr
        with open(js) as f:
            ev = json.load(f)["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in ev
             if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names.get(ping) == "pid %d (ping)" % ping, names
    assert names.get(pong) == "pid %d (pong)" % pong, names
    runs = sorted((e for e in ev if e["ph"] == "X"), key=lambda e: e["ts"])
    assert sum(e["tid"] == ping for e in runs) >= 20, runs
    assert sum(e["tid"] == pong for e in runs) >= 20, runs
    handoffs = sum(1 for a, b in zip(runs, runs[1:])
                   if {a["tid"], b["tid"]} == {ping, pong})
    assert handoffs >= 20, handoffs  # the CPU goes straight between them
    wakes = [e for e in ev if e["ph"] == "i" and e["name"] == "wake" and
             e["tid"] == pong and e["args"]["by"] == str(ping)]
    assert len(wakes) >= 19, wakes


# ---- User programs: /bin/hello and /bin/usertests from the initramfs ----

class Skip(Exception):
    """A case that cannot run yet: reported "ok ... # SKIP reason"."""


NOT_IMPLEMENTED = re.compile(r"system call (\d+) is not implemented")
user = {}  # what the user cases learn: can programs print, mem around usertests


def run_long(line, timeout):
    """Type a line and return the output up to the next prompt."""
    shell.type(line + "\r")
    start = shell.seen
    shell.expect(re.escape(PROMPT), timeout=timeout)
    return shell.out[start:shell.seen]


@case("fuzz: random system calls with hostile arguments in forked children "
      "(fixed seeds) never hurt the kernel; mem is back to its baseline")
def _():
    before = mem_counters()
    out = shell.command("/bin/fuzz 6 1500")
    m = re.search(r"fuzz: 6 seeds of 1500 calls: (\d+) exited, (\d+) ended by a "
                  r"signal \((\d+) killed when stuck\); the kernel is alive", out)
    assert m and int(m.group(1)) + int(m.group(2)) == 6, out
    assert "PANIC" not in out and "EXCEPTION" not in out, out
    until("mem back to its baseline", lambda: mem_counters() == before)


@case("user: ctrl-C sends SIGINT to the foreground program (a spinner that "
      "never calls the kernel); the shell reports it and lives")
def _():
    shell.type("/bin/usertests spin\r")
    start = shell.seen
    ctrl_c_until(re.escape(PROMPT))  # the program in the foreground, ended
    out = shell.out[start:shell.seen]
    assert re.search(r"\[pid \d+\] killed by signal SIGINT", out), out
    assert "usertests" not in [row[2] for row in ps().values()]


@case("user: ctrl-C's SIGINT reaches a handler with SI_KERNEL and no "
      "sender pid, as a Linux tty's")
def _():
    shell.type("/bin/usertests sigint_code\r")
    shell.expect(r"# sigint_code: ready\n")
    start = shell.seen
    ctrl_c_until(r"si_code=(-?\d+) si_pid=(-?\d+)\n")
    out = shell.out[start:shell.seen]
    assert "si_code=128 si_pid=0\n" in out, out  # SI_KERNEL is 0x80
    shell.expect(re.escape(PROMPT))


@case("user: /bin/hello world prints its pid, argv, environment and its "
      "malloc check")
def _():
    for prog in ("/bin/hello", "/bin/hello-pie"):
        out = shell.command(prog + " world")
        if "hello from pid" not in out and NOT_IMPLEMENTED.search(out):
            user["cannot print"] = NOT_IMPLEMENTED.findall(out)
            raise Skip("programs cannot print yet: system calls %s give "
                       "-ENOSYS" % ", ".join(user["cannot print"]))
        assert re.search(r"^hello from pid \d+$", out, re.M), out
        assert "\nargv[0] = %s\nargv[1] = world\n" % prog in out, out
        assert re.search(r"^envp\[0\] = \S+=", out, re.M), out
        assert re.search(r"^HOME = /$", out, re.M), out
        assert ("malloc: 4096 and 1048576 bytes written and read back"
                in out), out
        assert "[pid" not in out and "not implemented" not in out, out


def usertests_tap(out):
    """The plan, [(ok, number, name, rest)] and each case's # lines."""
    plan = re.search(r"^1\.\.(\d+)$", out, re.M)
    rows = re.findall(r"^(ok|not ok) (\d+) - (\w+)(.*)$", out, re.M)
    notes = {}
    for name, text in re.findall(r"^# (\w+): (.*)$", out, re.M):
        notes.setdefault(name, []).append(text)
    return (int(plan.group(1)) if plan else None), rows, notes


@case("user: /bin/usertests passes every case, each in its own process")
def _():
    user["mem before"] = mem_counters()
    out = run_long("/bin/usertests", 300)
    user["mem after"] = mem_counters()
    if "cannot print" in user:
        raise Skip("programs cannot print yet (see /bin/hello)")
    plan, rows, notes = usertests_tap(out)
    assert plan is not None, "no TAP plan from usertests:\n" + out[-600:]
    failed = ["%s: %s" % (name, "; ".join(notes.get(name, ["?"])))
              for ok, _, name, _ in rows if ok == "not ok"]
    skipped = [name for ok, _, name, rest in rows if "# SKIP" in rest]
    assert not failed and len(rows) == plan, "\n".join(
        failed + ["%d of %d cases reported, %d failed, %d skipped" %
                  (len(rows), plan, len(failed), len(skipped))])
    assert "[pid" not in out.split("# usertests:")[-1], out[-300:]


@case("user: mem is back to its baseline after usertests' processes")
def _():
    assert "mem after" in user, "usertests did not run"
    assert user["mem after"] == user["mem before"], user


@case("user: a faulting program is reported with its signal, and the shell "
      "lives")
def _():
    for name, sig in (("read_null", "SIGSEGV"), ("ud2", "SIGILL"),
                      ("divide_by_zero", "SIGFPE"), ("int3", "SIGTRAP")):
        out = shell.command("/bin/usertests " + name)
        m = re.search(r"^\[pid (\d+)\] killed by signal (\S+)$", out, re.M)
        assert m and m.group(2) == sig, (name, out)
        assert re.search(r"^pid %s \(usertests\): .* at rip 0x[0-9a-f]+" %
                         m.group(1), out, re.M), out  # the kernel's line
    out = shell.command("/bin/usertests exit_code")
    assert re.search(r"^\[pid \d+\] exited with status 7$", out, re.M), out
    assert UPTIME.search(shell.command("uptime"))


@case("exit: init reports the shell's code and starts a new shell")
def _():
    shell.type("exit 3\r")
    shell.expect(r"init: sh \(pid 2\) exited with code 3\n")
    shell.expect(re.escape(PROMPT))
    t = ps()
    assert sorted(t)[:2] == [0, 1] and len(t) == 3, t
    sh = max(t)
    assert sh > 2 and t[sh][:3] == (1, "running", "sh"), t


@case("shell: halt powers QEMU off")
def _():
    shell.type("halt\r")
    shell.expect("Powering off")
    assert shell.wait_exit() == 0


@case("cmdline: hz= sets the timer; unknown and malformed words warn")
def _():
    m = boot(IMAGE, "hz=250 bogus=1 junk")
    try:
        out = m.out
        assert "timer: 250 Hz" in out, out
        assert "unknown option 'bogus=1'" in out, out
        assert "junk" in out and "malformed" in out.lower(), out
        assert "at 250 Hz" in m.command("uptime")
    finally:
        m.kill()


@case("cmdline: an out-of-range hz warns and keeps the default")
def _():
    m = boot(IMAGE, "hz=5")
    try:
        assert "timer: 100 Hz" in m.out, m.out
        assert re.search(r"hz.*5", m.out.split("Kairos")[0]), m.out
    finally:
        m.kill()


@case("cmdline: the command shows each word's value in effect, or why it "
      "was ignored")
def _():
    m = boot(IMAGE, "hz=100 slice=0 hz=250 bogus=1 junk")
    try:
        out = m.command("cmdline")
        rows = dict(re.findall(r"^  (\S+)\s+((?:in effect|ignored): .*)$",
                               out, re.M))
        assert rows == {
            "hz=100": "ignored: a later one wins",
            "slice=0": "in effect: 5",  # out of range: the default is used
            "hz=250": "in effect: 250",
            "bogus=1": "ignored: unknown option",
            "junk": "ignored: not key=value",
        }, out
        known = dict(re.findall(r"^  ([\w.]+)\s+(\S+)\s+\S.*$",
                                out.split("options known")[1], re.M))
        # procs=: one per 96 KiB of the usable memory the banner counts
        frames = int(re.search(r"usable \((\d+) frames\)", m.out).group(1))
        assert known == {"hz": "250", "slice": "5", "rt_runtime": "950",
                         "procs": str(frames * 4096 // (96 * 1024)),
                         "test": "-",
                         "crash": "-",
                         # tmpfs=: an eighth of the same memory, in KiB
                         "tmpfs": str(frames * 4096 // 8 // 1024),
                         "bootcount": "0", "init": "-",
                         "init.args": "-"}, out
        assert "at 250 Hz" in m.command("uptime")  # the rate really in effect
    finally:
        m.kill()


@case("cmdline: test= and crash= are refused with a warning in the run image")
def _():
    m = boot(IMAGE, "test=timer/ crash=pf")
    try:
        for key in ("test", "crash"):
            assert ("cmdline: %s= is only for the test image; ignored" % key
                    in m.out), m.out
        assert "provoking" not in m.out, m.out  # no fault was provoked
        out = m.command("cmdline")
        assert re.search(r"^  test=timer/\s+ignored: only for the test image$",
                         out, re.M), out
        assert re.search(r"^  crash=pf\s+ignored: only for the test image$",
                         out, re.M), out
        assert "up " in m.command("uptime")
    finally:
        m.kill()


def gdb_session(extra, port):
    """gdb running tools/gdbinit (make debug's) on port, then extra."""
    script = open("tools/gdbinit").read().replace(
        "localhost:1234", "127.0.0.1:%d" % port) + "\n" + extra
    args = []
    for line in script.splitlines():
        if line.strip() and not line.startswith("#"):
            args += ["-ex", line]
    elf = re.sub(r"\.bin$", ".elf", IMAGE)
    return subprocess.Popen(["gdb", "-q", "-batch", "-nx"] + args + [elf],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@case("debug: kairos-ps (make debug's gdb) lists the processes with their "
      "states and wait channels")
def _():
    port = free_port()
    m = Machine(["-kernel", IMAGE, "-S", "-gdb", "tcp:127.0.0.1:%d" % port])
    try:
        g = gdb_session("hbreak cmd_uptime\ncontinue\nkairos-ps\n", port)
        m.expect(re.escape(PROMPT))  # gdb let the machine run to the shell
        m.type("uptime\r")  # the shell stops in cmd_uptime
        out = g.communicate(timeout=WAIT)[0]
        rows = re.findall(r"^\s*(\d+)\s+(\d+)\s+(\w+)\s+(\S+)\s+(.+)$",
                          out.split("PID  PPID STATE")[-1], re.M)
        assert rows == [("0", "0", "ready", "idle", "-"),
                        ("1", "0", "blocked", "init", "child"),
                        ("2", "1", "running", "sh", "-")], out
    finally:
        m.kill()


@case("debug: gdb attaches, survives long mode and stops in kernel_main; "
      "bt ends at start64")
def _():
    port = free_port()
    m = Machine(["-kernel", IMAGE, "-S", "-gdb", "tcp:127.0.0.1:%d" % port])
    try:
        g = gdb_session("backtrace\ninfo registers rip cs\n", port)
        out = g.communicate(timeout=WAIT)[0]
        assert "too long" not in out, out
        assert re.search(r"#0\s+kernel_main", out), out
        frames = re.findall(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+)", out, re.M)
        assert [f[1] for f in frames] == ["kernel_main", "arch_start",
                                          "start64"], out
        assert "Backtrace stopped" not in out, out
        assert re.search(r"cs\s+0x8\b", out), out
    finally:
        m.kill()


class Qmp:
    """QEMU's machine protocol on a Unix socket: keys in, memory out."""

    def __init__(self, path):
        deadline = time.time() + WAIT
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.file = self.sock.makefile("rw")
        self.file.readline()  # greeting
        self.call("qmp_capabilities")

    def call(self, command, **args):
        self.file.write(json.dumps({"execute": command, "arguments": args}))
        self.file.flush()
        while True:  # skip asynchronous events
            reply = json.loads(self.file.readline())
            if "return" in reply or "error" in reply:
                assert "error" not in reply, reply
                return reply["return"]

    def keys(self, *combos):
        """Press each combo ("h", "shift-h", "ret") on the PS/2 keyboard."""
        for combo in combos:
            keys = [{"type": "qcode", "data": k} for k in combo.split("-")]
            self.call("send-key", keys=keys)
            time.sleep(0.02)

    def vga_text(self, path):
        """The 80x25 text screen, one string per row."""
        self.call("pmemsave", val=0xB8000, size=80 * 25 * 2, filename=path)
        cells = open(path, "rb").read()[0::2].decode("latin-1")
        return [cells[r * 80:(r + 1) * 80].rstrip() for r in range(25)]


@case("ps2+vga: keys on the PS/2 keyboard run commands; the screen shows it")
def _():
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "qmp.sock")
    m = Machine(["-kernel", IMAGE, "-qmp", "unix:%s,server=on,wait=off"
                 % sock])
    try:
        m.expect(re.escape(PROMPT))
        qmp = Qmp(sock)
        # uptime, not help: help's lines no longer fit the screen with
        # the banner
        qmp.keys("u", "p", "t", "i", "m", "e", "ret")
        m.expect(r"uptime\nup \d+\.\d+ s")
        m.expect(re.escape(PROMPT))
        qmp.keys("shift-h", "a", "l", "t", "ret")  # shift: "Halt" is unknown
        m.expect(r"unknown command 'Halt'")
        m.expect(re.escape(PROMPT))
        screen = qmp.vga_text(os.path.join(tmp, "vga.bin"))
        text = "\n".join(screen)
        assert "Kairos 0.1.0 (x86_64)" in text, text
        assert "kairos> uptime" in screen, text  # a row of its own
        assert any(re.match(r"up \d+\.\d+ s \(\d+ ticks", r) for r in screen), \
            text
        assert "unknown command 'Halt'" in text, text
    finally:
        m.kill()


def readme_session():
    """The README's example session: its lines, and the commands typed."""
    text = open("README.md").read()
    block = re.search(r"```\n(Kairos \d.*?)```", text, re.S).group(1)
    lines = block.splitlines()
    return lines, [l[len(PROMPT):] for l in lines if l.startswith(PROMPT)]


def shape(line):
    """A line with its numbers and column widths wildcarded."""
    return re.sub(r"(?:\\ )+", " +", re.sub(r"\d+", r"\\d+", re.escape(line)))


@case("README: the example session is what the shell prints (numbers aside)")
def _():
    lines, typed = readme_session()
    assert typed, lines
    m = boot(IMAGE)
    try:
        for line in typed:
            m.command(line)
            time.sleep(0.3)  # let the spinners run, as a user types
        got = m.out[m.out.index("Kairos"):].splitlines()
        assert got[-1] == PROMPT, got  # the prompt after the last command
        got = got[:-1]
        bad = [(want, have) for want, have in zip(lines, got)
               if not re.fullmatch(shape(want), have)]
        assert len(got) == len(lines) and not bad, (bad, got)
    finally:
        m.kill()


@case("make help: lists every target documented with ##")
def _():
    documented = re.findall(r"^([^\s:#=$]+)\s*:(?!=).*?## ",
                            open("Makefile").read(), re.M)
    assert "test-e2e" in documented and len(documented) > 10, documented
    r = subprocess.run(["make", "-s", "--no-print-directory", "help"],
                       capture_output=True, text=True, timeout=WAIT)
    listed = re.findall(r"^  make (\S+)", r.stdout, re.M)
    missing = [t for t in documented if t not in listed]
    assert r.returncode == 0 and not missing, (missing, r.stdout)


def busybox_initrd():
    path = os.environ.get("BUSYBOX_INITRD", "")
    if not path or not os.path.exists(path):
        raise Skip("no busybox archive (make busybox could not fetch "
                   "busybox-static)")
    return path


@case("init=: busybox echo runs as the console program, its status logged, "
      "then the shell")
def _():
    m = Machine(["-kernel", IMAGE, "-append",
                 "init=/bin/busybox init.args=echo,hello,$((6*7))"],
                initrd=busybox_initrd())
    try:
        m.expect(r"\nhello \$\(\(6\*7\)\)\n")  # argv as given: no shell
        m.expect(r"init: /bin/busybox \(pid (\d+)\) exited with status 0\n")
        m.expect(re.escape(PROMPT))
    finally:
        m.kill()


@case("init=: an applet link runs with its own name as argv[0]; exit status "
      "1 reaches init; a missing program falls back to the shell")
def _():
    m = Machine(["-kernel", IMAGE, "-append", "init=/bin/false"],
                initrd=busybox_initrd())
    try:
        m.expect(r"init: /bin/false \(pid \d+\) exited with status 1\n")
        m.expect(re.escape(PROMPT))
    finally:
        m.kill()
    m = Machine(["-kernel", IMAGE, "-append", "init=/bin/nothing"])
    try:
        m.expect(r"init: cannot start /bin/nothing \(init=\): ENOENT\n")
        m.expect(re.escape(PROMPT))
    finally:
        m.kill()


# ash's prompt, then its cursor-position query (ESC [ 6 n: ash goes on
# without an answer); a line is typed once both are out.
BB_PROMPT = r"/ # \x1b\[6n"


@case("busybox: Debian's busybox sh at the console answers the issue's lines "
      "(pipes, subshells, loops, sleep, kill of a background job, exit 3)")
def _():
    m = Machine(["-kernel", IMAGE, "-append", "init=/bin/busybox init.args=sh"],
                initrd=busybox_initrd())
    lines = [
        ("echo hello", r"\nhello\n"),
        ("echo $((6*7))", r"\n42\n"),
        ("ls /bin | head -n 2", r"\n\[\n\[\[\n"),
        ("cat /etc/motd", r"\nWelcome to Kairos\.\n"),
        ("echo a b c | wc -w", r"\n3\n"),
        ("seq 1 100 | tail -n 1", r"\n100\n"),
        ("for i in 1 2 3; do echo $i; done", r"\n1\n2\n3\n"),
        ("(cd /bin && pwd)", r"\n/bin\n"),
        ("pwd", r"\n/\n"),  # the subshell's cd stayed in the subshell
        ("true && echo ok || echo bad", r"\nok\n"),
        ("sleep 1; echo slept", r"\nslept\n"),
        ("sleep 100 & echo started $!", r"\nstarted (\d+)\n"),
        ("kill $!; wait $!; echo waited $?", r"\nwaited 143\n"),  # SIGTERM
        ("nosuchapplet", r"nosuchapplet: not found\n"),
        ("nproc", r"\n1\n"),  # sched_getaffinity: CPU 0 alone
    ]
    try:
        m.expect(BB_PROMPT, timeout=60)
        for line, want in lines:
            m.type(line + "\r")
            got = m.expect(want)
            m.expect(BB_PROMPT)
            assert got, line
        assert "system call 204 is not implemented" not in m.out, m.out[-800:]
        m.type("exit 3\r")
        m.expect(r"init: /bin/busybox \(pid \d+\) exited with status 3\n")
        m.expect(re.escape(PROMPT))
    finally:
        m.kill()


MOTD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "user", "rootfs", "etc", "motd")


@case("busybox: applets needing what Kairos lacks (network, mount, users, "
      "/proc) fail with busybox's own message; cat uses sendfile; no crash")
def _():
    m = Machine(["-kernel", IMAGE, "-append", "init=/bin/busybox init.args=sh"],
                initrd=busybox_initrd())
    def says(text):  # busybox's message, a line of its own
        return re.escape(text) + r"\n"

    nosys = "Function not implemented"
    noent = "No such file or directory"
    lines = [
        ("ifconfig", says("ifconfig: socket: " + nosys)),
        ("ping -c 1 127.0.0.1", says("ping: can't create raw socket: " + nosys)),
        ("wget http://127.0.0.1/", says("wget: socket: " + nosys)),
        ("nc -l -p 1", says("nc: socket: " + nosys)),
        ("nslookup kairos", says("nslookup: socket: " + nosys)),
        ("ip addr", says("ip: socket: " + nosys)),
        ("mount -t proc proc /proc",
         says("mount: mounting proc on /proc failed: " + nosys)),
        ("umount /", says("umount: can't unmount /: " + nosys)),
        ("hostname foo", says("hostname: sethostname: " + nosys)),
        ("dmesg", says("dmesg: klogctl: " + nosys)),
        ("su", says("su: unknown user root")),  # no /etc/passwd
        ("passwd", says("passwd: unknown uid 0")),
        ("whoami", says("whoami: unknown uid 0")),
        ("id", r"\nuid=0 gid=0\n"),  # getgroups: none
        ("df", says("df: /proc/mounts: " + noent)),
        ("free", says("free: can't open '/proc/meminfo': " + noent)),
        ("ps", says("ps: can't open '/proc': " + noent)),
        ("mkdir /x", says("mkdir: can't create directory '/x': "
                          "Read-only file system")),
        ("sync", r"sync; echo alive\nalive\n"),  # nothing before alive
        ("cat /etc/motd", r"\nWelcome to Kairos\.\n"),
        ("cat /etc/motd | wc -c", r"\n%d\n" % os.path.getsize(MOTD)),
    ]
    try:
        m.expect(BB_PROMPT, timeout=60)
        for line, want in lines:
            start = m.seen
            m.type(line + "; echo alive\r")
            m.expect(r"\nalive\n")  # the shell still answers
            got = m.out[start:m.seen]
            m.expect(BB_PROMPT)
            assert re.search(want, got), (line, got)
        m.type("exit 0\r")
        m.expect(r"init: /bin/busybox \(pid \d+\) exited with status 0\n")
        m.expect(re.escape(PROMPT))
        for bad in ("PANIC", "Segmentation fault", "general protection",
                    "page fault at", "system call 40 is not implemented"):
            assert bad not in m.out, (bad, m.out[-1500:])
    finally:
        m.kill()


@case("busybox: /tmp is writable: echo > and >>, cat, mkdir, ls, cp, mv, "
      "rm -r; the rest of the root stays read-only")
def _():
    m = Machine(["-kernel", IMAGE, "-append", "init=/bin/busybox init.args=sh"],
                initrd=busybox_initrd())
    lines = [
        ("echo hello > /tmp/f; cat /tmp/f", r"\nhello\n"),
        ("echo again >> /tmp/f; cat /tmp/f", r"\nhello\nagain\n"),
        ("mkdir /tmp/d && ls /tmp | sort", r"\nd\nf\n"),
        ("cp /etc/motd /tmp/d/m && cat /tmp/d/m",  # sendfile into /tmp
         r"\nWelcome to Kairos\.\n"),
        ("mv /tmp/d/m /tmp/d/n && ls /tmp/d", r"\nn\n"),
        ("cd /tmp/d && pwd && cd /", r"\n/tmp/d\n"),
        ("rm -r /tmp/d /tmp/f; ls -a /tmp | sort | tr '\\n' ' '; echo",
         r"\n\. \.\. \n"),  # empty again
        ("echo x > /etc/x", r"can't create /etc/x: Read-only file system\n"),
    ]
    try:
        m.expect(BB_PROMPT, timeout=60)
        for line, want in lines:
            start = m.seen
            m.type(line + "; echo alive\r")
            m.expect(r"\nalive\n")
            got = m.out[start:m.seen]
            m.expect(BB_PROMPT)
            assert re.search(want, got), (line, got)
        m.type("exit 0\r")
        m.expect(r"init: /bin/busybox \(pid \d+\) exited with status 0\n")
        m.expect(re.escape(PROMPT))
        assert "PANIC" not in m.out, m.out[-1500:]
    finally:
        m.kill()


@case("iso: the GRUB ISO boots to the shell")
def _():
    assert ISO and os.path.exists(ISO), "no ISO given"
    m = Machine(["-cdrom", ISO])
    try:
        m.expect(r"booted by GRUB", timeout=60)
        m.expect(re.escape(PROMPT))
        assert "mem" in m.command("help")
    finally:
        m.kill()


@case("iso: make iso APPEND=... boots with those options in effect")
def _():
    tmp = tempfile.mkdtemp()
    iso = os.path.join(tmp, "append.iso")
    r = subprocess.run(["make", "-s", "--no-print-directory", "iso",
                        "KERNEL=" + IMAGE, "ISO=" + iso,
                        "APPEND=hz=250 slice=3"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    m = Machine(["-cdrom", iso])
    try:
        m.expect(r"booted by GRUB", timeout=60)
        m.expect(r"timer: 250 Hz")
        m.expect(re.escape(PROMPT))
        assert "at 250 Hz" in m.command("uptime")
        out = m.command("cmdline")
        assert re.search(r"^  slice=3\s+in effect: 3$", out, re.M), out
    finally:
        m.kill()


def main():
    failed = 0
    only = os.environ.get("E2E_ONLY")
    for i, (name, fn) in enumerate(results, 1):
        if only and not re.search(only, name):
            continue
        try:
            fn()
            print("ok %d - e2e: %s" % (i, name), flush=True)
        except Skip as e:
            print("ok %d - e2e: %s # SKIP %s" % (i, name, e), flush=True)
        except Exception as e:  # report and go on with the next case
            failed += 1
            print("not ok %d - e2e: %s" % (i, name), flush=True)
            for line in str(e).splitlines()[-12:]:
                print("#   " + line)
    if shell:
        shell.kill()
    print("1..%d" % len(results))
    return 1 if failed else 0


sys.exit(main())
