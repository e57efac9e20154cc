"""gdb commands for Kairos; tools/gdbinit sources this file (make debug).

    kairos-ps    one line per process: pid, parent, state, name, wait channel

Linux's lx-ps is the model.  The list comes from the process table in
kernel/proc/proc.c (`table`, `capacity` slots, NULL when free), read
through the debug information, so it works on a stopped or wedged machine
and takes no lock: a process changing state while the CPU is stopped in
the middle of it may show either state.
"""
import gdb

WAIT_EVENT_INPUT = 1  # kernel/proc/process.h (a #define: not in the DWARF)
EVENT_LIMIT = 4096    # channels below this are named events, not addresses


def proc_global(name):
    """The static `name` of kernel/proc/proc.c (other files have statics of
    the same name)."""
    for sym in gdb.lookup_static_symbols(name):
        if sym.symtab is not None and \
                sym.symtab.filename.endswith("proc/proc.c"):
            return sym.value()
    raise gdb.GdbError("kairos-ps: no '%s' in kernel/proc/proc.c; is the "
                       "kernel's ELF loaded?" % name)


def state_names():
    """enum process_state's values as ps prints them: PROCESS_READY -> ready."""
    names = {}
    for field in gdb.lookup_type("enum process_state").fields():
        names[field.enumval] = field.name.replace("PROCESS_", "").lower()
    return names


def channel_name(p, state):
    """What a blocked process waits on, decoded as the shell's ps does."""
    if state != "blocked":
        return "-"
    chan = int(p["channel"])
    if chan == WAIT_EVENT_INPUT:
        return "input"
    if chan == int(p):
        return "child"  # wait_child blocks on the waiter's own record
    if chan < EVENT_LIMIT:
        return "event %d" % chan
    where = gdb.execute("info symbol %#x" % chan, to_string=True)
    if where.startswith("No symbol"):
        return "%#x" % chan
    return "%#x <%s>" % (chan, where.split(" in section")[0].strip())


def processes():
    """Every record in the table, by pid (NULL slots skipped)."""
    table = proc_global("table")
    capacity = int(proc_global("capacity"))
    if int(table) == 0 or capacity == 0:
        return []
    if capacity > 1 << 24:
        raise gdb.GdbError("kairos-ps: capacity %d looks corrupt" % capacity)
    procs = []
    for i in range(capacity):
        p = table[i]
        if int(p) != 0:
            procs.append(p.dereference().address)
    return sorted(procs, key=lambda p: int(p["pid"]))


class KairosPs(gdb.Command):
    """List Kairos processes: pid, parent pid, state, name, wait channel.

Reads the process table (kernel/proc/proc.c) without taking locks."""

    def __init__(self):
        super().__init__("kairos-ps", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        names = state_names()
        gdb.write("  PID  PPID STATE    NAME             WAIT\n")
        for p in processes():
            state = names.get(int(p["state"]), "?%d" % int(p["state"]))
            parent = p["parent"]
            ppid = int(parent["pid"]) if int(parent) != 0 else 0
            gdb.write("%5d %5d %-8s %-16s %s\n" % (
                int(p["pid"]), ppid, state, p["name"].string(),
                channel_name(p, state)))


KairosPs()
