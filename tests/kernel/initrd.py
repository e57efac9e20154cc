#!/usr/bin/env python3
"""Files the test kernel's initramfs adds under /ktest (tests/kernel/test_fs.c).

    tests/kernel/initrd.py DIR

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


if __name__ == "__main__":
    main()
