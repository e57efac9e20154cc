#!/usr/bin/env python3
"""Write a cpio "newc" archive (the initramfs) from directory trees.

    tools/mkinitramfs.py -o OUT [--dir PATH]... [SRC]...

Every file, directory and symbolic link under each SRC goes in with its
path relative to that SRC; a later SRC's file replaces an earlier one's at
the same path (so INITRD_EXTRA can override).  --dir PATH adds an empty
directory (git keeps none).  The output is deterministic: entries sorted
by path (parents first), inode numbers counted from 1, uid/gid 0, mtime 0,
permission bits as on disk; padded to 512 bytes as cpio does.  OUT is
rewritten only when its bytes change.  Other file types (devices, FIFOs,
sockets) are an error.  docs/fs.md.
"""
import argparse
import os
import stat
import sys

BLOCK = 512


def collect(sources, extra_dirs):
    """path -> (mode, data) for every entry, later sources winning."""
    entries = {}
    for d in extra_dirs:
        add_dir(entries, d.strip("/"), 0o755)
    for src in sources:
        if not os.path.isdir(src):
            sys.exit("mkinitramfs: %s is not a directory" % src)
        for top, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(dirs + files):
                full = os.path.join(top, name)
                rel = os.path.relpath(full, src).replace(os.sep, "/")
                add(entries, rel, full)
    return entries


def add_dir(entries, rel, perm):
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        p = "/".join(parts[:i])
        old = entries.get(p)
        if old is not None and not stat.S_ISDIR(old[0]):
            sys.exit("mkinitramfs: %s is both a directory and a file" % p)
        if old is None:
            entries[p] = (stat.S_IFDIR | perm, b"")


def add(entries, rel, full):
    st = os.lstat(full)
    perm = stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        add_dir(entries, rel, perm)
        entries[rel] = (stat.S_IFDIR | perm, b"")
        return
    if stat.S_ISREG(st.st_mode):
        with open(full, "rb") as f:
            item = (stat.S_IFREG | perm, f.read())
    elif stat.S_ISLNK(st.st_mode):
        item = (stat.S_IFLNK | 0o777, os.readlink(full).encode())
    else:
        sys.exit("mkinitramfs: %s: not a file, directory or symlink" % full)
    old = entries.get(rel)
    if old is not None and stat.S_ISDIR(old[0]):
        sys.exit("mkinitramfs: %s is both a directory and a file" % rel)
    if "/" in rel:
        add_dir(entries, rel.rsplit("/", 1)[0], 0o755)
    entries[rel] = item


def header(ino, mode, nlink, size, namesize):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, namesize, 0]
    return ("070701" + "".join("%08X" % f for f in fields)).encode()


def pad4(n):
    return b"\0" * (-n % 4)


def archive(entries):
    out = bytearray()
    # Sorting the split path puts each directory before what it holds.
    paths = sorted(entries, key=lambda p: p.split("/"))
    items = [(p, entries[p]) for p in paths] + [("TRAILER!!!", (0, b""))]
    for ino, (path, (mode, data)) in enumerate(items, 1):
        name = path.encode() + b"\0"
        nlink = 2 if stat.S_ISDIR(mode) else 1
        if path == "TRAILER!!!":
            ino, nlink = 0, 1
        out += header(ino, mode, nlink, len(data), len(name))
        out += name + pad4(len(out) + len(name))
        out += data + pad4(len(data))
    out += b"\0" * (-len(out) % BLOCK)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--dir", action="append", default=[],
                    help="an empty directory to add")
    ap.add_argument("sources", nargs="*")
    args = ap.parse_args()
    data = archive(collect(args.sources, args.dir))
    try:
        with open(args.output, "rb") as f:
            if f.read() == data:
                return 0
    except OSError:
        pass
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
