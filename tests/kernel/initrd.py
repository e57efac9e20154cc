#!/usr/bin/env python3
"""Files the test kernel's initramfs adds under /ktest (tests/kernel/test_fs.c).

    tests/kernel/initrd.py DIR [ELF]

With ELF (a static program: the Makefile passes build/host/elf/tiny),
/ktest/bad/ gets corrupt copies of it for tests/kernel/test_exec.c, each
one named for what is wrong with it.

hello.txt holds HELLO exactly; pattern.bin is PATTERN_SIZE bytes whose
byte i is pattern(i), so the kernel test can check every byte without a
copy; link is a symlink to hello.txt; sub/deep/ a nested empty directory.
The C test holds the same constants.
"""
import os
import sys

HELLO = b"Kairos initramfs: these bytes, exactly.\n"
PATTERN_SIZE = 10007  # not a multiple of a page or of 4


def pattern(i):
    return (i * 7 + (i >> 8)) & 0xFF


def main():
    top = os.path.join(sys.argv[1], "ktest")
    os.makedirs(os.path.join(top, "sub", "deep"))
    with open(os.path.join(top, "hello.txt"), "wb") as f:
        f.write(HELLO)
    with open(os.path.join(top, "pattern.bin"), "wb") as f:
        f.write(bytes(pattern(i) for i in range(PATTERN_SIZE)))
    os.symlink("hello.txt", os.path.join(top, "link"))
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        corrupt(open(sys.argv[2], "rb").read(), os.path.join(top, "bad"))


def corrupt(elf, out):
    """Broken copies of a good ELF64 executable (fields at their offsets in
    the ELF header and the first program header)."""
    import struct
    phoff = struct.unpack_from("<Q", elf, 32)[0]

    def patched(off, fmt, value):
        b = bytearray(elf)
        struct.pack_into(fmt, b, off, value)
        return bytes(b)

    cases = {
        "empty": b"",
        "truncated-header": elf[:40],
        "truncated-phdrs": elf[:phoff + 20],
        "truncated-segment": elf[:len(elf) // 3],
        "bad-magic": patched(0, "<I", 0x464C457E),
        "32-bit": patched(4, "<B", 1),
        "big-endian": patched(5, "<B", 2),
        "wrong-machine": patched(18, "<H", 3),
        "phoff-past-end": patched(32, "<Q", len(elf) + 4096),
        "phnum-huge": patched(56, "<H", 0xFFFF),
        "filesz-over-memsz": patched(phoff + 32, "<Q", 1 << 40),
        "kernel-vaddr": patched(phoff + 16, "<Q", 0xFFFFFFFF80000000),
        "entry-outside": patched(24, "<Q", 0x10),
    }
    os.makedirs(out)
    for name, data in cases.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(out, name), 0o755)  # executable: -ENOEXEC


if __name__ == "__main__":
    main()
