# Step one benchmarked operation in gdb and count its instructions per
# function: the breakdown behind a number of bench/kernel/run.sh.  Loaded
# by bench/kernel/trace.sh (gdb -batch -x), which sets, in the environment:
#   KTRACE_START  symbol where counting starts (a hardware breakpoint)
#   KTRACE_SKIP   hits of it to let pass first (warm-up)
#   KTRACE_STOP   comma-separated functions whose code ends the count
#   KTRACE_AFTER  optional symbol to reach before arming KTRACE_START
# and prints the functions in the order run, then totals per function.
# QEMU's gdb stub steps with interrupts masked, so no tick intrudes.
import collections
import os

import gdb

START = os.environ["KTRACE_START"]
STOP = set(os.environ["KTRACE_STOP"].split(","))
SKIP = int(os.environ.get("KTRACE_SKIP", "0"))
AFTER = os.environ.get("KTRACE_AFTER", "")
LIMIT = 200000  # instructions; a runaway trace stops here


def function_at(pc):
    if pc < 0x0000800000000000:
        return "user"  # ring 3: KTRACE_STOP=user ends at the way back
    block = gdb.current_progspace().block_for_pc(pc)
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None:
        return block.function.name  # inlined functions count apart
    words = gdb.execute("info symbol %d" % pc, to_string=True).split()
    return words[0] if words and words[0] != "No" else hex(pc)


def run_to(symbol, skip=0):
    gdb.execute("hbreak " + symbol, to_string=True)
    if skip:
        gdb.execute("ignore $bpnum %d" % skip, to_string=True)
    gdb.execute("continue", to_string=True)
    gdb.execute("delete", to_string=True)


def main():
    gdb.execute("set pagination off")
    gdb.execute("set architecture i386:x86-64", to_string=True)
    gdb.execute("target remote :" + os.environ.get("KTRACE_PORT", "1234"),
                to_string=True)
    if AFTER:
        run_to(AFTER)
    run_to(START, SKIP)
    runs, per = [], collections.Counter()
    n = 0
    while n < LIMIT:
        f = function_at(int(gdb.parse_and_eval("$pc")))
        if n > 0 and f in STOP:
            break
        per[f] += 1
        n += 1
        if runs and runs[-1][0] == f:
            runs[-1][1] += 1
        else:
            runs.append([f, 1])
        gdb.execute("stepi", to_string=True)
    print("%d instructions from %s to %s" % (n, START, "/".join(sorted(STOP))))
    print("in the order run (function: instructions):")
    line = ""
    for f, c in runs:
        item = "%s %d" % (f, c)
        if len(line) + len(item) > 76:
            print("  " + line.rstrip(", "))
            line = ""
        line += item + ", "
    print("  " + line.rstrip(", "))
    print("per function:")
    for f, c in per.most_common():
        print("  %-28s %d" % (f, c))
    gdb.execute("kill", to_string=True)


main()
