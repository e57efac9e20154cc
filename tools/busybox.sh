#!/bin/sh
# Stage Debian 12's busybox-static as an initramfs source (docs/boot.md,
# "busybox"):
#
#   tools/busybox.sh OUT
#
# 1. In OUT/deb, `apt-get download busybox-static` (the package file only:
#    nothing is installed on this machine) unless a busybox-static_*.deb
#    is already there, so later builds work offline.
# 2. `dpkg -x` it into OUT/deb/x (removed again at the end).
# 3. OUT/root/bin/busybox, and for every applet `busybox --list` prints
#    (the binary is static glibc: it runs here) a symbolic link
#    OUT/root/bin/APPLET -> busybox, which the initramfs keeps as a link.
#
# Everything lands under OUT (build/busybox): a build output, never
# committed.  Exits 1, saying why, when the package cannot be had.
set -eu
out=$1
deb_dir=$out/deb
mkdir -p "$deb_dir"
deb=$(ls "$deb_dir"/busybox-static_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
    command -v apt-get >/dev/null 2>&1 ||
        { echo "busybox.sh: no apt-get to fetch busybox-static" >&2; exit 1; }
    echo "busybox.sh: apt-get download busybox-static (into $deb_dir)"
    (cd "$deb_dir" && apt-get download busybox-static) ||
        { echo "busybox.sh: apt-get download failed (offline?)" >&2; exit 1; }
    deb=$(ls "$deb_dir"/busybox-static_*.deb | head -n 1)
fi
rm -rf "$deb_dir/x" "$out/root"
dpkg -x "$deb" "$deb_dir/x"
mkdir -p "$out/root/bin"
cp "$deb_dir/x/bin/busybox" "$out/root/bin/busybox.new"
applets=$("$out/root/bin/busybox.new" --list)
for a in $applets; do
    [ "$a" = busybox ] || ln -s busybox "$out/root/bin/$a"
done
# The binary last: the Makefile's target, so a half-done run is redone.
# The unpacked tree goes (its *.d directories would confuse the
# Makefile's dependency include); the .deb stays for offline rebuilds.
mv "$out/root/bin/busybox.new" "$out/root/bin/busybox"
rm -rf "$deb_dir/x"
echo "busybox.sh: $(basename "$deb"): /bin/busybox and $(echo "$applets" | wc -w) applet links"
