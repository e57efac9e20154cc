#!/bin/sh
# Check that every C source and header matches .clang-format; print TAP.
# With --list, print the files instead.
set -u
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || files=$(find kernel arch tests bench -name '*.[ch]' 2>/dev/null)
if [ "${1:-}" = "--list" ]; then
    echo "$files"
    exit 0
fi
bad=0
for f in $files; do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "# not formatted: $f (run: make format)"
        bad=$((bad + 1))
    fi
done
echo "1..1"
if [ "$bad" -eq 0 ]; then
    echo "ok 1 - clang-format: every source file is formatted"
else
    echo "not ok 1 - clang-format: $bad files need formatting"
    exit 1
fi
