#!/bin/bash
# mkinitrd.sh BUSYBOX RDTSC MODULES_DIR OUT: a gzip'd newc initramfs of a static busybox, the rdtsc program,
# the kernel modules in MODULES_DIR and tests/linux/init.
set -euo pipefail
busybox=$1 rdtsc=$2 modules=$3 out=$4
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/modules"
cp "$busybox" "$root/bin/busybox"
cp "$rdtsc" "$root/bin/rdtsc"
cp "$modules"/*.ko "$root/modules/"
cp "$(dirname "$0")/init" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out"
