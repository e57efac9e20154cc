#!/usr/bin/env python3
"""Boot a test image in QEMU and type into it when it asks.

    tests/kernel/feed.py IMAGE CMDLINE TIMEOUT [MARKER ACTION]...

Like tools/qemu-test.sh (serial on stdout, isa-debug-exit, a wall-clock
timeout), but QEMU's serial input is a pipe and its machine protocol (QMP)
a socket.  Each time the next MARKER appears in the serial output, its
ACTION runs, in order:

    serial:TEXT    send TEXT to the serial port (\\n in TEXT is a newline)
    keys:K1,K2,..  press keys on the PS/2 keyboard (QEMU qcodes: a, ret)

INITRD=FILE in the environment passes FILE as the boot module (-initrd).
The exit status is QEMU's (33 = tests passed, 35 = failed), or 124 on
timeout.  Only the standard library is used.
"""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def qmp_keys(path, keys, deadline):
    """Press each key in turn through QMP's send-key."""
    sock = socket.socket(socket.AF_UNIX)
    while True:
        try:
            sock.connect(path)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    f = sock.makefile("rw")
    f.readline()  # greeting
    for cmd in [{"execute": "qmp_capabilities"}] + [
            {"execute": "send-key",
             "arguments": {"keys": [{"type": "qcode", "data": k}]}}
            for k in keys]:
        f.write(json.dumps(cmd))
        f.flush()
        while True:  # skip asynchronous events
            line = f.readline()
            if not line:
                return  # QEMU has exited: the test may end on the last key
            reply = json.loads(line)
            if "error" in reply:
                raise RuntimeError("QMP: %r" % reply)
            if "return" in reply:
                break
        time.sleep(0.02)
    sock.close()


def act(proc, qmp_path, action, deadline):
    kind, _, arg = action.partition(":")
    if kind == "serial":
        proc.stdin.write(arg.replace("\\n", "\n").encode())
        proc.stdin.flush()
    elif kind == "keys":
        qmp_keys(qmp_path, arg.split(","), deadline)
    else:
        raise ValueError("unknown action %r" % action)


def main():
    if len(sys.argv) < 4 or len(sys.argv) % 2 != 0:
        sys.exit(__doc__)
    image, cmdline, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
    steps = list(zip(sys.argv[4::2], sys.argv[5::2]))
    tmp = tempfile.mkdtemp()
    qmp_path = os.path.join(tmp, "qmp.sock")
    proc = subprocess.Popen(
        ["qemu-system-x86_64", "-machine", "pc", "-m", "128M", "-no-reboot",
         "-display", "none", "-monitor", "none", "-serial", "stdio",
         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
         "-qmp", "unix:%s,server=on,wait=off" % qmp_path,
         "-kernel", image, "-append", cmdline] +
        (["-initrd", os.environ["INITRD"]] if os.environ.get("INITRD")
         else []),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    deadline = time.time() + limit
    seen = ""  # output not yet searched for the next marker
    out = sys.stdout.buffer
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if not ready:
                continue
            data = os.read(proc.stdout.fileno(), 4096)
            if not data:
                return proc.wait()
            out.write(data)
            out.flush()
            seen += data.decode("latin-1")
            while steps and steps[0][0] in seen:
                marker, action = steps.pop(0)
                seen = seen[seen.index(marker) + len(marker):]
                act(proc, qmp_path, action, deadline)
        print("\nfeed.py: timed out after %gs" % limit, flush=True)
        return 124
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
