#!/usr/bin/env python3
"""Record a scheduler trace on the real image and convert it (docs/trace.md).

    python3 tools/trace-demo.py build/kairos.bin OUTDIR [PNG]

Boots the image in QEMU with the serial console on a pipe, types
`trace on`, `spawn spin 3`, `spawn pingpong 100`, waits for the five
demo processes to exit, then `trace off` and `trace dump`.  Writes
OUTDIR/serial.log (everything the machine printed), OUTDIR/trace.json
(tools/trace2json.py) and the timeline PNG (default OUTDIR/trace.png).
`make trace-demo` runs it and writes docs/trace-demo.png.
"""
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import trace2json  # noqa: E402

QEMU = ["qemu-system-x86_64", "-machine", "pc", "-m", "128M", "-no-reboot",
        "-display", "none", "-monitor", "none", "-serial", "stdio"]
PROMPT = "kairos> "


class Serial:
    def __init__(self, image):
        self.proc = subprocess.Popen(QEMU + ["-kernel", image], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out, self.seen, self.lock = "", 0, threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            data = self.proc.stdout.read1(4096)
            if not data:
                return
            with self.lock:
                self.out += data.decode("latin-1").replace("\r", "")

    def expect(self, pattern, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                m = re.compile(pattern).search(self.out, self.seen)
            if m:
                self.seen = m.end()
                return m
            time.sleep(0.05)
        raise SystemExit("trace-demo: timed out waiting for %r; last:\n%s"
                         % (pattern, self.out[-500:]))

    def type(self, line):
        data = (line + "\r").encode()
        for i in range(0, len(data), 8):  # a 16-byte UART FIFO
            self.proc.stdin.write(data[i:i + 8])
            self.proc.stdin.flush()
            time.sleep(0.02)

    def command(self, line, timeout=60):
        self.type(line)
        self.expect(re.escape(PROMPT), timeout)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    image, outdir = sys.argv[1], sys.argv[2]
    png = sys.argv[3] if len(sys.argv) > 3 else os.path.join(outdir,
                                                             "trace.png")
    os.makedirs(outdir, exist_ok=True)
    m = Serial(image)
    try:
        m.expect(re.escape(PROMPT))
        m.command("trace on")
        m.command("spawn spin 3")
        m.command("spawn pingpong 100")
        for _ in range(4):  # spin x3 and pingpong (its players are its own)
            m.command("wait", timeout=120)
        m.command("trace off")
        m.command("trace dump", timeout=120)
    finally:
        m.proc.kill()
        m.proc.wait()
    log = os.path.join(outdir, "serial.log")
    with open(log, "w") as f:
        f.write(m.out)
    return trace2json.main([log, "-o", os.path.join(outdir, "trace.json"),
                            "--png", png, "--title",
                            "Kairos: spawn spin 3, spawn pingpong 100 "
                            "(trace on, QEMU, 100 Hz, slice 5 ticks)"])


if __name__ == "__main__":
    sys.exit(main())
