#!/bin/sh
# Link the kernel in two passes so it carries its own symbol table.
#
#   tools/link-kernel.sh CC LD "LDFLAGS" OUT.elf OBJS...
#
# Pass 1 links with an empty .ksyms; the text symbols of that image are then
# written to ksyms.S and pass 2 links it in.  .ksyms sits after text, rodata
# and data in the link map, so no function moves; this script checks that.
set -eu
cc=$1 ld=$2 ldflags=$3 out=$4
shift 4
dir=$(dirname "$out")/$(basename "$out" .elf).syms
mkdir -p "$dir"

gensyms() {
    # nm -n: sorted by address; keep text symbols (t/T) only.
    echo '    .section .ksyms, "a"'
    echo '    .balign 8'
    echo '    .globl ksyms_count, ksyms_addr, ksyms_name'
    if [ -z "${1:-}" ]; then
        echo 'ksyms_count: .quad 0'
        echo 'ksyms_addr:'
        echo 'ksyms_name:'
        return
    fi
    "${NM:-nm}" -n --defined-only "$1" | awk 'BEGIN { n = 0 }
        $2 ~ /^[tT]$/ && $3 !~ /^\.L/ { addr[n] = $1; name[n] = $3; n++ }
        END {
            printf "ksyms_count: .quad %d\n", n
            printf "ksyms_addr:\n"
            for (i = 0; i < n; i++) printf "    .quad 0x%s\n", addr[i]
            printf "ksyms_name:\n"
            for (i = 0; i < n; i++) printf "    .quad .Ls%d\n", i
            for (i = 0; i < n; i++) printf ".Ls%d: .asciz \"%s\"\n", i, name[i]
        }'
}

gensyms > "$dir/ksyms0.S"
$cc -c "$dir/ksyms0.S" -o "$dir/ksyms0.o"
$ld $ldflags -o "$dir/pass1.elf" "$@" "$dir/ksyms0.o"

gensyms "$dir/pass1.elf" > "$dir/ksyms.S"
$cc -c "$dir/ksyms.S" -o "$dir/ksyms.o"
$ld $ldflags -o "$out" "$@" "$dir/ksyms.o"

nm -n --defined-only "$dir/pass1.elf" | awk '$2 ~ /^[tT]$/' > "$dir/text1"
nm -n --defined-only "$out" | awk '$2 ~ /^[tT]$/' > "$dir/text2"
if ! cmp -s "$dir/text1" "$dir/text2"; then
    echo "link-kernel: text symbols moved between passes" >&2
    exit 1
fi
