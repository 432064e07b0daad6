#!/usr/bin/env bash
# Build Keel's PXE tree with grub-mknetdir: GRUB netboot images for BIOS (i386-pc) and UEFI (x86_64-efi).
# Usage: image/mkpxe.sh KERNEL CFG OUTDIR   (OUTDIR becomes the TFTP root; it is replaced)
# Serve OUTDIR over TFTP. DHCP boot file: boot/grub/i386-pc/core.0 (BIOS), boot/grub/x86_64-efi/core.efi (UEFI).
# GRUB's per-platform grub.cfg sources boot/grub/grub.cfg from the TFTP server, which is ours (the repository's
# grub.cfg, or GRUB_CFG=path); it loads /boot/keel.elf and /boot/keel.cfg from the same server.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 KERNEL CFG OUTDIR" >&2
	exit 2
fi
kernel=$1 cfg=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
grub_cfg=${GRUB_CFG:-$root/grub.cfg}
for f in "$kernel" "$cfg" "$grub_cfg"; do
	[ -f "$f" ] || { echo "mkpxe: $f: no such file" >&2; exit 1; }
done

tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
log=$(mktemp "${TMPDIR:-/tmp}/keel-pxe.XXXXXX")
trap 'rm -f "$log"' EXIT
for platform in i386-pc x86_64-efi; do
	grub-mknetdir --net-directory="$tmp" --subdir=boot/grub --directory="/usr/lib/grub/$platform" \
		--locales= --fonts= --themes= >"$log" 2>&1 || { cat "$log" >&2; rm -rf "$tmp"; exit 1; }
done
for f in boot/grub/i386-pc/core.0 boot/grub/x86_64-efi/core.efi; do
	[ -f "$tmp/$f" ] || { echo "mkpxe: grub-mknetdir did not write $f" >&2; rm -rf "$tmp"; exit 1; }
done
cp "$grub_cfg" "$tmp/boot/grub/grub.cfg"
cp "$kernel" "$tmp/boot/keel.elf"
cp "$cfg" "$tmp/boot/keel.cfg"

rm -rf "$out"
mv "$tmp" "$out"
echo "mkpxe: $out (BIOS boot/grub/i386-pc/core.0, UEFI boot/grub/x86_64-efi/core.efi)"
