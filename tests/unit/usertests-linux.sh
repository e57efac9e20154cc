#!/bin/sh
# Run /bin/usertests' cases on Linux (build/host/usertests-linux:
# posix_spawn in place of kairos_spawn) and print their TAP.  The suite
# expects Linux's semantics, so every case must pass here as well, except
# where Kairos says it differs on purpose (docs/user.md, "Programs"):
#   efault_wait4  Kairos checks the status pointer before waiting, so the
#                 child is not lost (docs/syscalls.md); Linux reaps first
#   ids           uid and gid 0: only when run as root
# Under script(1), so fd 1 is a terminal (TIOCGWINSZ and TCGETS work).
#
#   tests/unit/usertests-linux.sh build/host/usertests-linux
set -u
prog=$(realpath "$1")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
script -qec "$prog" /dev/null >"$out" 2>&1
differs() {
    case "$1" in
    efault_wait4) echo "Kairos checks the status pointer before reaping" ;;
    ids) [ "$(id -u)" -ne 0 ] && echo "not root here" ;;
    esac
}
tr -d '\r' <"$out" | awk '/^(1\.\.|ok |not ok |#)/' >"$out.tap"
grep -q '^1\.\.' "$out.tap" || { echo "not ok - usertests-linux: no plan"; cat "$out"; exit 1; }
failed=0
while IFS= read -r line; do
    case "$line" in
    "not ok "*)
        num=${line#not ok }; num=${num%% *}; name=${line#not ok $num - }
        why=$(differs "$name")
        if [ -n "$why" ]; then
            echo "ok $num - usertests-linux: $name # SKIP $why"
        else
            echo "not ok $num - usertests-linux: $name"
            failed=1
        fi
        ;;
    "ok "*)
        num=${line#ok }; num=${num%% *}
        echo "ok $num - usertests-linux: ${line#ok $num - }"
        ;;
    *) echo "$line" ;;
    esac
done <"$out.tap"
rm -f "$out.tap"
exit $failed
