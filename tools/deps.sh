#!/bin/sh
# Make sure the Debian packages a target needs are installed; install the
# missing ones with apt-get (through sudo when not root), saying so.
#
#   tools/deps.sh run|test|iso|debug|bench|trace|user
set -u
need=""
want() { # command-or-file package
    case "$1" in
    /*) [ -e "$1" ] || need="$need $2" ;;
    *) command -v "$1" >/dev/null 2>&1 || need="$need $2" ;;
    esac
}

base() {
    want gcc gcc
    want make make
    want ld binutils
    want qemu-system-x86_64 qemu-system-x86
    # The user programs in user/ (docs/user.md, "Programs").
    want musl-gcc musl-tools
}
iso() {
    want grub-mkrescue grub-common
    want /usr/lib/grub/i386-pc/multiboot.mod grub-pc-bin
    want xorriso xorriso
    want mformat mtools
}

# What bench-smoke (part of make test) needs; make bench adds gnuplot.
bench_smoke() {
    want python3 python3
    want /usr/include/valgrind/callgrind.h valgrind
    want /usr/include/boost/context/detail/fcontext.hpp libboost-context-dev
}

case "${1:-test}" in
run)
    base
    # A QEMU window (VGA and PS/2 keyboard) needs the GTK front end.
    [ -n "${DISPLAY:-}" ] && want /usr/lib/x86_64-linux-gnu/qemu/ui-gtk.so qemu-system-gui
    ;;
debug) base; want gdb gdb ;;
user) want musl-gcc musl-tools ;;
iso) base; iso ;;
test)
    base
    iso
    want /usr/include/cmocka.h libcmocka-dev
    want python3 python3
    want clang-format clang-format
    want clang clang
    want gdb gdb
    want timeout coreutils
    bench_smoke
    ;;
bench) base; bench_smoke; want gnuplot gnuplot-nox ;;
trace) base; want python3 python3; want gnuplot gnuplot-nox ;;
*) echo "deps.sh: unknown target '$1'" >&2; exit 2 ;;
esac

[ -z "$need" ] && exit 0
need=$(echo "$need" | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "Kairos needs these Debian packages:$need" >&2
    echo "Install them as root: apt-get install$need" >&2
    exit 1
fi
echo "Installing missing Debian packages:$need"
$sudo apt-get update -q >/dev/null &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null
status=$?
if [ "$status" -ne 0 ]; then
    echo "apt-get failed (status $status). Install by hand: apt-get install$need" >&2
    exit 1
fi
echo "Installed:$need"
