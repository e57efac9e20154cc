#!/bin/sh
# Check that the kernel images also build with clang (gcc builds them for
# every other layer).  Prints TAP.
set -u
echo "1..1"
if command -v clang >/dev/null 2>&1; then
    if out=$(make -s CC=clang build/clang/kairos.bin build/clang/kairos-test.bin 2>&1); then
        echo "ok 1 - make CC=clang builds the kernel and the test kernel"
    else
        echo "$out" | tail -n 20 | sed 's/^/# /'
        echo "not ok 1 - make CC=clang builds the kernel and the test kernel"
        exit 1
    fi
else
    echo "ok 1 - make CC=clang # SKIP clang is not installed"
fi
