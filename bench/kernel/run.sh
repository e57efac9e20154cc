#!/bin/sh
# Kernel benchmarks: guest instructions per operation, counted by QEMU
# under -icount shift=0,sleep=off, where the TSC advances one per
# instruction (docs/bench-kernel.md).
#
#   bench/kernel/run.sh [--smoke]
#
# Boots build/kairos-bench.bin (its init measures and prints the numbers,
# then exits through isa-debug-exit) and build/kairos.bin with bootcount=1
# (the shell prints the TSC before its first prompt).  It builds nothing:
# `make bench-kernel` builds both images and runs it (`make CC=clang
# bench-kernel` for clang's, in build/clang).  Prints
# "name,value,unit" lines (unit: instructions, or ticks for B7's lateness
# and the inversion demo's waits) and "# " comments; exits 0 when every
# number was produced.  The full run boots each image twice and reports
# whether the two runs agree; --smoke boots each once.
set -u
cd "$(dirname "$0")/../.." || exit 1

usage() {
    echo "usage: $0 [--smoke]" >&2
    exit 2
}

smoke=0
case "${1:-}" in
--smoke) smoke=1 ;;
"") ;;
*) usage ;;
esac

build=${BUILD:-build}
qemu=${QEMU:-qemu-system-x86_64}
logs=${KBENCH_LOGS:-$build/bench-kernel}
bench_image=$build/kairos-bench.bin
kernel_image=$build/kairos.bin
initrd=$build/initramfs-test.cpio # K6 runs its /ktest/bin/tiny
names="kernel_null_syscall kernel_yield_switch kernel_yield_switch_syscall
kernel_tick kernel_spawn_exit_wait kernel_sleep_wake kernel_boot_to_prompt
kernel_inversion_inherit kernel_inversion_noinherit kernel_user_null_syscall
kernel_user_yield_switch kernel_user_spawn_exit_wait kernel_user_fork_exit_wait
kernel_user_fork_exec_wait kernel_user_pipe_round_trip"
for p in other fifo; do # B7: the sleeper's policy and the spinners
    for n in 1 4 16 64; do
        names="$names kernel_wakeup_${p}_n$n kernel_wakeup_${p}_n${n}_ticks"
        names="$names kernel_wakeup_${p}_n${n}_ticks_max"
    done
done

for f in "$bench_image" "$kernel_image" "$initrd"; do
    if [ ! -f "$f" ]; then
        echo "# $f is missing: run make bench-kernel" >&2
        exit 1
    fi
done
mkdir -p "$logs"

# Every boot: this machine, the TSC counting instructions, serial to log.
qemu_args() { # log image -> QEMU's arguments but -append, in $args
    args="-machine pc -m 128M -no-reboot -display none -monitor none
        -icount shift=0,sleep=off -serial file:$1 -kernel $2"
}

# The bench image: its CSV lines into $logs/bench-N.csv, or exit 1.
# hz=1000 makes the tick measurement quick (a tick every million
# instructions); no number but how often a tick lands in a sample depends
# on the rate, and the medians discard those.
bench_boot() { # run number
    log=$logs/bench-$1.log
    qemu_args "$log" "$bench_image"
    # shellcheck disable=SC2086 # $args is split on purpose
    timeout -k 5 120 "$qemu" $args -append "hz=1000" -initrd "$initrd" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null \
        >"$log.qemu" 2>&1
    status=$?
    tr -d '\r' <"$log" | grep -E '^[a-z0-9_]+,[0-9]+,(instructions|ticks)$' \
        >"$logs/bench-$1.csv"
    # The inversion demo's own lines: high's wait, inheritance on and off.
    tr -d '\r' <"$log" | sed -n \
        -e 's/^inversion: inheritance on: high waited \([0-9]*\) ticks.*/kernel_inversion_inherit,\1,ticks/p' \
        -e 's/^inversion: inheritance off: high waited \([0-9]*\) ticks.*/kernel_inversion_noinherit,\1,ticks/p' \
        >>"$logs/bench-$1.csv"
    if [ "$status" -ne 33 ]; then
        echo "# bench image run $1 failed (QEMU status $status; log $log):"
        tr -d '\r' <"$log" | grep '^#' | tail -n 5
        exit 1
    fi
}

# The normal image up to its first prompt: the TSC the shell printed.
boot_count() { # run number -> the count on stdout
    log=$logs/boot-$1.log
    rm -f "$log"
    qemu_args "$log" "$kernel_image"
    # shellcheck disable=SC2086
    timeout -k 5 120 "$qemu" $args -append "bootcount=1" </dev/null \
        >"$log.qemu" 2>&1 &
    pid=$! # timeout's, which passes the kill on to QEMU
    tries=0
    while [ "$tries" -lt 600 ] && ! grep -q 'bootcount: tsc=' "$log" 2>/dev/null; do
        sleep 0.1
        tries=$((tries + 1))
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    tr -d '\r' <"$log" | sed -n 's/^bootcount: tsc=\([0-9][0-9]*\)$/\1/p' |
        head -n 1
}

runs=2
[ "$smoke" -eq 1 ] && runs=1

echo "# kernel benchmarks: guest instructions under QEMU -icount shift=0,sleep=off"
echo "# $("$qemu" --version | head -n 1); counts do not depend on the host CPU"
i=1
while [ "$i" -le "$runs" ]; do
    bench_boot "$i"
    boot=$(boot_count "$i")
    if [ -z "$boot" ]; then
        echo "# boot to prompt: no bootcount line (log $logs/boot-$i.log)"
        exit 1
    fi
    echo "kernel_boot_to_prompt,$boot,instructions" >>"$logs/bench-$i.csv"
    i=$((i + 1))
done

tr -d '\r' <"$logs/bench-1.log" | grep '^# ' | grep -v '^# kernel benchmarks: done'
tr -d '\r' <"$logs/bench-1.log" | grep '^inversion: ' | sed 's/^/# /'
cat "$logs/bench-1.csv"

missing=""
for n in $names; do
    grep -Eq "^$n,[0-9]+,(instructions|ticks)\$" "$logs/bench-1.csv" ||
        missing="$missing $n"
done
if [ -n "$missing" ]; then
    echo "# missing numbers:$missing"
    exit 1
fi

if [ "$runs" -eq 2 ]; then
    if cmp -s "$logs/bench-1.csv" "$logs/bench-2.csv"; then
        echo "# determinism: both boots gave the same numbers"
    else
        echo "# determinism: the boots DIFFER (first run shown above); second:"
        sed 's/^/#   /' "$logs/bench-2.csv"
    fi
fi

# The issue's targets, for the reader.
while IFS=, read -r name value _; do
    case "$name" in
    kernel_null_syscall) target=80 ;;
    kernel_user_null_syscall) target=120 ;;
    kernel_user_yield_switch) target=300 ;;
    kernel_user_spawn_exit_wait) target=100000 ;;
    kernel_user_fork_exit_wait) target=198705 ;; # xv6's 1,987,053 / 10
    kernel_user_pipe_round_trip) target=5448 ;;  # xv6's 27,240 / 5
    kernel_tick) target=150 ;;
    kernel_yield_switch) target=150 ;;
    *) continue ;;
    esac
    if [ "$value" -le "$target" ]; then
        echo "# target $name <= $target: met ($value)"
    else
        echo "# target $name <= $target: missed ($value)"
    fi
done <"$logs/bench-1.csv"
exit 0
