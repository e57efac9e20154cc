#!/bin/sh
# The in-kernel test layer: boot the test image in QEMU and turn what it
# prints into one TAP stream.
#
#   tests/kernel/run.sh build/kairos-test.bin [build/initramfs-test.cpio]
#
# The archive, if given, is every boot's module (-initrd) but the one that
# checks a boot without any (5).
# 1. Every suite: the kernel's own TAP lines, renumbered, plus a check that
#    the run ended through isa-debug-exit with the success code.
# 2. test=PREFIX: only the matching suite runs.
# 3. crash=pf|de|assert|stack|canary: an unexpected fault, a failed
#    assertion, a kernel stack overflow into its guard page or an
#    overwritten stack canary must end the run at once with the failure
#    code and a full report.
# 4. test=stdin/: readers block on stdin until tests/kernel/feed.py types
#    a line on the serial port and then on the PS/2 keyboard.
# 5. The initramfs: the boot log's line for the archive; a boot with no
#    module, and one whose module is not an archive, come up with an empty
#    root and say so.
# Serial logs are kept in build/results/kernel-*.log.
set -u
image=$1
INITRD=${2:-}
export INITRD
logs=${RESULTS:-build/results}
mkdir -p "$logs"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

boot() { # name cmdline -> log file, sets $status
    log="$logs/kernel-$1.log"
    tools/qemu-test.sh "$image" "$2" 60 >"$log" 2>&1
    status=$?
}

cases() { # repeat the kernel's TAP lines in $log as ours; sets $ran
    ran=0
    while IFS= read -r line; do
        case "$line" in
        "ok "*) ran=$((ran + 1)); ok "kernel: ${line#ok * - }" ;;
        "not ok "*) ran=$((ran + 1)); not_ok "kernel: ${line#not ok * - }" ;;
        esac
    done <<EOF_LOG
$(tr -d '\r' <"$log")
EOF_LOG
}

# 1. All suites.
boot all ""
planned=$(grep -m1 -E '^1\.\.[0-9]+' "$log" | tr -d '\r' | cut -d. -f3)
cases
[ "$status" -eq 33 ]
check $? "kernel suites exit through isa-debug-exit with success (status $status)"
[ -n "$planned" ] && [ "$ran" -eq "$planned" ]
check $? "kernel suites: all ${planned:-?} planned cases reported ($ran)"

# 2. A subset.
boot subset "test=timer/"
others=$(tr -d '\r' <"$log" | grep -E '^(not )?ok ' | grep -vc ' - timer/')
timers=$(tr -d '\r' <"$log" | grep -cE '^ok [0-9]+ - timer/')
[ "$status" -eq 33 ] && [ "$others" -eq 0 ] && [ "$timers" -ge 3 ]
check $? "test=timer/ runs only the timer suite ($timers run, $others others)"

# 3. Crashes fail the run, with a report.
crash() { # kind, then strings the report must hold
    kind=$1
    shift
    boot "crash-$kind" "crash=$kind"
    missing=""
    for s in "$@"; do
        grep -qF -- "$s" "$log" || missing="$missing [$s]"
    done
    [ "$status" -eq 35 ] && [ -z "$missing" ]
    check $? "crash=$kind ends the run with the failure code (status $status)${missing:+, report lacks$missing}"
}
crash pf "EXCEPTION 14: #PF page fault" "CR2=00000000dead0000" \
    "RIP=" "<fault_read_ip+0x0>" "RAX=" "R15=" "RFLAGS=" "backtrace:" \
    "<kernel_run+0x" "<process_start+0x"
crash de "EXCEPTION 0: #DE divide error" "<fault_div0_ip+0x0>" "backtrace:"
crash assert "PANIC: assertion failed" "ktest.c:" "backtrace:" "<panic_at+0x"
crash stack "PANIC: kernel stack overflow in pid 1 (init)" \
    "is in the guard page below its stack" "EXCEPTION 8: #DF double fault" \
    "<overflow_stack+0x" "backtrace:"
crash canary "PANIC: kernel stack overflow in pid 1 (init)" "<sched_tick+0x"

# 4. Input typed by the runner wakes blocked readers.
log="$logs/kernel-stdin.log"
${PYTHON:-python3} tests/kernel/feed.py "$image" "test=stdin/" 60 \
    "# waiting for serial input" 'serial:kairos reads serial\n' \
    "# waiting for keys" "keys:k,b,d,ret" >"$log" 2>&1
status=$?
cases
[ "$status" -eq 33 ] && [ "$ran" -eq 2 ]
check $? "test=stdin/: both readers woken by typed input (status $status, $ran run)"

# 5. The initramfs line, and a boot without a module.
if [ -n "$INITRD" ]; then
    tr -d '\r' <"$logs/kernel-all.log" |
        grep -qE '^initramfs: [0-9]+ files, [0-9]+ KiB \('
    check $? "the boot log reports the unpacked initramfs"
fi
INITRD= # the last boots: no module, then one that is no archive
boot noinitrd "test=none/"
grep -q "initramfs: no boot module, empty root" "$log" && [ "$status" -eq 33 ]
check $? "a boot without a module has an empty root, no panic (status $status)"
INITRD=$image
boot badinitrd "test=none/"
grep -q "initramfs: bad archive (EINVAL at offset 0: bad magic (not newc)), empty root" \
    "$log" && [ "$status" -eq 33 ]
check $? "a corrupt module is refused with its reason, empty root (status $status)"

echo "1..$n"
[ "$failed" -eq 0 ]
