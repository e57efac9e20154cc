#!/bin/sh
# Run one test command, keep its TAP output in a file and show it.
#
#   tools/run-layer.sh OUT.tap COMMAND [ARGS...]
#
# A command that fails without reporting a failing test (a crash, a build
# error, a missing tool) gets a "not ok" line of its own, so the summary can
# never count a broken layer as passed.
set -u
out=$1
shift
name=$(basename "$out" .tap)
"$@" >"$out.raw" 2>&1
status=$?
tr -d '\r' <"$out.raw" | grep -E '^(ok|not ok|1\.\.|#)' >"$out"
grep -vE '^(ok|not ok|1\.\.|#)' "$out.raw" | sed 's/^/    /' | tail -n 40 >"$out.other"
if [ "$status" -ne 0 ] && ! grep -q '^not ok' "$out"; then
    echo "not ok - $name: exited with status $status without a failing test" >>"$out"
fi
if ! grep -qE '^(ok|not ok)' "$out"; then
    echo "not ok - $name: reported no tests" >>"$out"
fi
pass=$(grep -c '^ok' "$out")
fail=$(grep -c '^not ok' "$out")
printf '%-28s %4d passed, %d failed\n' "$name" "$pass" "$fail"
if [ "$fail" -ne 0 ]; then
    grep '^not ok' "$out" | sed 's/^/    /'
    cat "$out.other"
fi
