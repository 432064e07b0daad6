#!/usr/bin/env bash
# Build Keel's hybrid BIOS+UEFI ISO (also dd-able to a USB stick) with grub-mkrescue, trimmed to ~4 MiB.
# Usage: image/mkiso.sh KERNEL CFG OUT   (KERNEL: Multiboot2 ELF, CFG: keel.cfg to ship, OUT: the .iso)
# GRUB's configuration is grub.cfg at the repository root; GRUB_CFG=path overrides it. GUESTS="a.elf b.bin"
# adds guest images as GRUB modules named after their files (a, b) for `vm new ... kernel=NAME`.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 KERNEL CFG OUT" >&2
	exit 2
fi
kernel=$1 cfg=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
grub_cfg=${GRUB_CFG:-$root/grub.cfg}
for f in "$kernel" "$cfg" "$grub_cfg"; do
	[ -f "$f" ] || { echo "mkiso: $f: no such file" >&2; exit 1; }
done

# Modules GRUB needs to read the ISO (CD or disk), talk on serial and run grub.cfg (DESIGN.md's list). The
# UEFI image that grub-mkrescue builds loads every partition map at start and prints an error for each one
# missing, so the other partition maps (a few KiB) come along to keep the console clean.
modules="multiboot2 normal serial terminal configfile iso9660 part_msdos part_gpt fat echo test all_video
	part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_plan part_sun part_sunpc"
modules=$(echo $modules)

stage=$(mktemp -d "${TMPDIR:-/tmp}/keel-iso.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/keel-iso-log.XXXXXX")
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$stage/boot/grub"
cp "$grub_cfg" "$stage/boot/grub/grub.cfg"
cp "$kernel" "$stage/boot/keel.elf"
cp "$cfg" "$stage/boot/keel.cfg"
if [ -n "${GUESTS:-}" ]; then
	mkdir -p "$stage/boot/guests"
	for g in $GUESTS; do
		name=$(basename "$g")
		name=${name%.*}
		cp "$g" "$stage/boot/guests/$name"
		echo "module2 /boot/guests/$name $name" >> "$stage/boot/guests.cfg"
	done
fi

mkdir -p "$(dirname "$out")"
grub-mkrescue --output="$out.tmp" --compress=xz --locales= --fonts= --themes= \
	--install-modules="$modules" "$stage" >"$log" 2>&1 || {
	cat "$log" >&2
	rm -f "$out.tmp"
	exit 1
}
mv "$out.tmp" "$out"
echo "mkiso: $out ($(stat -c %s "$out") bytes)"
