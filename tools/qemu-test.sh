#!/bin/sh
# Boot an image in QEMU for a test: serial on stdout, no display, the
# isa-debug-exit device, and a wall-clock timeout so a hang is a failure.
#
#   tools/qemu-test.sh IMAGE "CMDLINE" [TIMEOUT_SECONDS]
#
# INITRD=FILE in the environment passes FILE as the boot module (-initrd).
# Exit status: QEMU's (33 = tests passed, 35 = failed), 124 on timeout.
set -u
image=$1 cmdline=$2 limit=${3:-60}
exec timeout --foreground -k 5 "$limit" qemu-system-x86_64 \
    -machine pc -m 128M -no-reboot -display none -monitor none \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$image" ${INITRD:+-initrd "$INITRD"} -append "$cmdline" </dev/null
