#!/bin/sh
# Where the instructions of one kernel benchmark go: boot the bench image
# halted, step one operation in gdb and count instructions per function
# (bench/kernel/trace.py).  docs/bench-kernel.md.
#
#   bench/kernel/trace.sh syscall|yield|yield_syscall|tick|spawn|
#                         user_syscall|user_yield|user_spawn
#
# Needs gdb and build/kairos-bench.elf (make builds it; BUILD=build/clang
# for clang's).  The count starts at the operation's first instruction,
# after warm-up, and stops when control is back in the benchmark loop.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
port=${KTRACE_PORT:-1234}
log=$build/bench-kernel/trace-gdb.log
mkdir -p "$build/bench-kernel"

case "${1:-}" in
syscall) start=sys_getpid stop=time_getpid skip=20 after= ;;
yield) start=yield_now stop=yield_partner skip=${KSKIP:-20} after= ;;
yield_syscall) start=yield_syscall stop=yield_partner skip=20 after= ;;
tick) # from the vector stub to the instruction after iretq
    gaps=$(nm "$build/kairos-bench.elf" | awk '$3 ~ /^record_gaps/ {print $3}')
    start=vector32 stop="$gaps,arch_cycles,rdtsc" skip=0 after=$gaps ;;
spawn) start=spawn_kernel_process stop=time_spawn_cycle skip=20 after= ;;
user_syscall) # K4: syscall from ring 3 back to ring 3
    start=syscall64_entry stop=user skip=20 after=bench_user_null_syscall ;;
user_yield) # K5: one user process's sched_yield to the other's ring 3
    start=syscall64_entry stop=user skip=20 after=bench_user_yield_switch ;;
user_spawn) # K6 (from the kernel: its return to the bench loop)
    start=spawn_user_process stop=samples_add skip=20
    after=bench_user_spawn_exit_wait ;;
*)
    echo "usage: $0 syscall|yield|yield_syscall|tick|spawn|user_syscall|user_yield|user_spawn" >&2
    exit 2
    ;;
esac

timeout -k 5 300 qemu-system-x86_64 -machine pc -m 128M -no-reboot \
    -display none -monitor none -serial null -icount shift=0,sleep=off \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$build/kairos-bench.bin" -append "hz=1000" \
    -initrd "$build/initramfs-test.cpio" \
    -S -gdb "tcp::$port" </dev/null >/dev/null 2>&1 &
qemu=$!
KTRACE_START=$start KTRACE_STOP=$stop KTRACE_SKIP=$skip KTRACE_AFTER=$after \
    KTRACE_PORT=$port timeout 280 gdb -q -batch -nx \
    -x bench/kernel/trace.py "$build/kairos-bench.elf" >"$log" 2>&1
# gdb reports every step; the breakdown comes after them.
sed -n '/^[0-9]* instructions from/,$p' "$log" | grep -v -e '^\[Inferior'
grep -q '^[0-9]* instructions from' "$log"
status=$?
[ "$status" -eq 0 ] || tail -n 5 "$log" >&2
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
exit "$status"
