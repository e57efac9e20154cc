#!/usr/bin/env python3
"""Check the core's include graph (TAP on stdout).

Three checks:
  1. no cycle between subsystems (the folders of kernel/ and progs/): a
     file in one that includes a header of another is an edge;
  2. layers: a file includes only headers from its own folder or from a
     folder below it in LAYERS (the arch contract, arch/arch.h, is below all);
  3. the portable core includes nothing from arch/<port>/ (only the
     contract, which brings in the port's arch_types.h itself).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Bottom first.  kernel/ itself is boot (main.c, cmdline, param.h, boot.h):
# param.h and boot.h are plain definitions every layer may use.
LAYERS = ["arch", "kernel/lib", "kernel/mm", "kernel/dev", "kernel/fs",
          "kernel/proc", "kernel/exec", "kernel/sys", "progs", "kernel"]
ANYWHERE = {"kernel/param", "kernel/boot"}  # headers of constants only
SEARCH = ["kernel", "kernel/lib", "kernel/mm", "kernel/dev", "kernel/fs",
          "kernel/proc", "kernel/exec", "kernel/sys", "progs", "arch"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for top in ("kernel", "progs"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def resolve(name, here):
    for d in [os.path.dirname(here)] + SEARCH:
        p = os.path.join(d, name)
        if os.path.exists(os.path.join(ROOT, p)):
            return os.path.normpath(p)
    return None


def module(path):
    return os.path.splitext(path)[0]


def layer(path):
    d = os.path.dirname(path)
    return LAYERS.index(d) if d in LAYERS else None


def main():
    edges, problems = {}, []
    for f in sources():
        text = open(os.path.join(ROOT, f)).read()
        for name in INCLUDE.findall(text):
            target = resolve(name, f)
            if target is None:
                problems.append(f"{f}: \"{name}\" not found in the core")
                continue
            if target.startswith("arch/") and target != "arch/arch.h":
                problems.append(f"{f}: includes the port's {target}")
                continue
            a, b = os.path.dirname(f), os.path.dirname(target)
            if a != b and module(target) not in ANYWHERE:
                edges.setdefault(a, set()).add(b)
            lf, lt = layer(f), layer(target)
            if module(target) in ANYWHERE or lf is None or lt is None:
                continue
            if lt > lf:
                problems.append(f"{f}: includes {target}, a layer above "
                                f"({LAYERS[lt]} is above {LAYERS[lf]})")
    cycle = find_cycle(edges)
    print("1..3")
    print(("ok" if cycle is None else "not ok") +
          " 1 - no include cycle between subsystems")
    if cycle is not None:
        print("# cycle: " + " -> ".join(cycle))
    layered = [p for p in problems if "layer above" in p]
    other = [p for p in problems if "layer above" not in p]
    print(("ok" if not layered else "not ok") + " 2 - layers include down")
    for p in layered:
        print("# " + p)
    print(("ok" if not other else "not ok") +
          " 3 - the core includes only the arch contract")
    for p in other:
        print("# " + p)
    return 0 if cycle is None and not problems else 1


def find_cycle(edges):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


if __name__ == "__main__":
    sys.exit(main())
