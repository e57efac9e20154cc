#!/usr/bin/env python3
"""tools/mkinitramfs.py, and make's INITRD_EXTRA, on trees built here.
Each archive is parsed back (newc, by the format's definition) and checked.
Prints TAP; run by make test-unit."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "mkinitramfs.py")
tmp = tempfile.mkdtemp()
results = []


def check(desc, fn):
    try:
        fn()
        results.append((True, desc, ""))
    except Exception as e:  # report and go on
        results.append((False, desc, "%s: %s" % (type(e).__name__, e)))


def parse(data):
    """[(name, fields dict, data)] up to the trailer; asserts the layout."""
    out, off = [], 0
    names = ["ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
             "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize",
             "check"]
    while True:
        assert data[off:off + 6] == b"070701", "magic at %d" % off
        f = {n: int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16)
             for i, n in enumerate(names)}
        name_end = off + 110 + f["namesize"]
        name = data[off + 110:name_end - 1].decode()
        assert data[name_end - 1] == 0
        doff = (name_end + 3) & ~3
        body = data[doff:doff + f["filesize"]]
        off = (doff + f["filesize"] + 3) & ~3
        if name == "TRAILER!!!":
            assert len(data) % 512 == 0 and off <= len(data)
            return out
        out.append((name, f, body))


def tree(name, files):
    """A directory under tmp: path -> bytes, or ("link", target), or None
    for a directory."""
    top = os.path.join(tmp, name)
    for path, what in files.items():
        full = os.path.join(top, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if what is None:
            os.makedirs(full, exist_ok=True)
        elif isinstance(what, tuple):
            os.symlink(what[1], full)
        else:
            with open(full, "wb") as f:
                f.write(what)
    return top


def run(*args):
    return subprocess.run([sys.executable, TOOL] + list(args),
                          capture_output=True, text=True)


def build(out, *args):
    r = run("-o", out, *args)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        return f.read()


A = tree("a", {"etc/motd": b"hi\n", "bin/tool": b"\x7fELF",
               "etc/z/deep": b"d", "lnk": ("link", "etc/motd"),
               "zz": b"last"})
B = tree("b", {"etc/motd": b"replaced\n", "extra/new": b"new"})


def t_entries():
    ents = parse(build(os.path.join(tmp, "a.cpio"), "--dir", "empty", A))
    names = [n for n, _, _ in ents]
    assert names == ["bin", "bin/tool", "empty", "etc", "etc/motd", "etc/z",
                     "etc/z/deep", "lnk", "zz"], names
    by = {n: (f, d) for n, f, d in ents}
    assert stat.S_ISDIR(by["empty"][0]["mode"])
    assert by["etc/motd"][1] == b"hi\n"
    assert stat.S_ISLNK(by["lnk"][0]["mode"]) and by["lnk"][1] == b"etc/motd"
    assert stat.S_ISREG(by["bin/tool"][0]["mode"])
    for n, f, _ in ents:
        assert f["uid"] == 0 and f["gid"] == 0 and f["mtime"] == 0, n
    inos = [f["ino"] for _, f, _ in ents]
    assert inos == list(range(1, len(ents) + 1)), inos


def t_deterministic():
    one = build(os.path.join(tmp, "d1.cpio"), A)
    os.utime(os.path.join(A, "etc", "motd"), (1, 1))
    two = build(os.path.join(tmp, "d2.cpio"), A)
    assert one == two


def t_rewrite_only_on_change():
    out = os.path.join(tmp, "same.cpio")
    build(out, A)
    os.utime(out, (1000, 1000))
    build(out, A)
    assert os.stat(out).st_mtime == 1000, "rewritten with the same bytes"
    build(out, A, B)
    assert os.stat(out).st_mtime != 1000, "not rewritten after a change"


def t_later_source_wins():
    by = {n: d for n, _, d in parse(build(os.path.join(tmp, "ab.cpio"),
                                          A, B))}
    assert by["etc/motd"] == b"replaced\n"
    assert by["extra/new"] == b"new" and by["bin/tool"] == b"\x7fELF"


def t_conflict_and_bad_types():
    c = tree("c", {"etc": b"a file where a directory was"})
    r = run("-o", os.path.join(tmp, "c.cpio"), A, c)
    assert r.returncode != 0 and "both a directory and a file" in r.stderr
    f = os.path.join(tmp, "f")
    os.makedirs(f)
    os.mkfifo(os.path.join(f, "fifo"))
    r = run("-o", os.path.join(tmp, "f.cpio"), f)
    assert r.returncode != 0 and "not a file" in r.stderr
    r = run("-o", os.path.join(tmp, "x.cpio"), os.path.join(tmp, "nope"))
    assert r.returncode != 0


def t_make_initrd_extra():
    out = os.path.join(tmp, "make.cpio")
    r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT,
                        "INITRD=" + out, "INITRD_EXTRA=" + B, out],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out, "rb") as f:
        by = {n: d for n, _, d in parse(f.read())}
    assert by["etc/motd"] == b"replaced\n"  # DIR's file over the tree's
    assert by["extra/new"] == b"new" and "bin" in by


check("mkinitramfs: entries sorted, parents first, types and data kept",
      t_entries)
check("mkinitramfs: the same tree gives the same bytes (mtimes ignored)",
      t_deterministic)
check("mkinitramfs: the output is rewritten only when its bytes change",
      t_rewrite_only_on_change)
check("mkinitramfs: a later source's file replaces an earlier one's",
      t_later_source_wins)
check("mkinitramfs: a file over a directory, a FIFO, a missing source fail",
      t_conflict_and_bad_types)
check("make: INITRD_EXTRA=DIR adds DIR's files at their relative paths",
      t_make_initrd_extra)

shutil.rmtree(tmp)
print("1..%d" % len(results))
for i, (ok, desc, why) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
    if why:
        print("# " + why)
sys.exit(0 if all(ok for ok, _, _ in results) else 1)
