#!/bin/sh
# Total the TAP files of every layer: the last line is "N passed, N failed",
# and the exit status is non-zero if anything failed or nothing ran.
set -u
dir=$1
pass=0
fail=0
for f in "$dir"/*.tap; do
    [ -e "$f" ] || continue
    pass=$((pass + $(grep -c '^ok' "$f")))
    fail=$((fail + $(grep -c '^not ok' "$f")))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
