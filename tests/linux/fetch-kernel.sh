#!/bin/bash
# fetch-kernel.sh META OUT: downloads the kernel package that Debian's meta package META (linux-image-amd64,
# linux-image-686:i386) currently depends on, and keeps OUT/vmlinuz and OUT/modules/{button,evdev}.ko (the
# ACPI power button and the event device busybox acpid reads). Never pinned: the archive keeps one ABI.
set -euo pipefail
meta=$1 out=$2
arch=${meta#*:}
[ "$arch" = "$meta" ] && arch=
if [ -n "$arch" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	dpkg --add-architecture "$arch"
	apt-get update -q || echo "fetch-kernel: apt-get update reported an error; checking whether $meta resolves"
fi
resolve() { apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg=$(resolve)
if [ -z "$pkg" ]; then
	apt-get update -q || echo "fetch-kernel: apt-get update reported an error; checking whether $meta resolves"
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve $meta"; exit 1; }
pkg=${pkg%%:*}
rm -rf "$out" && mkdir -p "$out/pkg" "$out/modules"
(cd "$out/pkg" && apt-get download -q "$pkg${arch:+:$arch}")
dpkg-deb -x "$out"/pkg/*.deb "$out/pkg/root"
cp "$(find "$out/pkg/root/lib/modules" -name button.ko -path '*acpi*')" \
	"$(find "$out/pkg/root/lib/modules" -name evdev.ko)" "$out/modules/"
cp "$out"/pkg/root/boot/vmlinuz-* "$out/vmlinuz"
rm -rf "$out/pkg"
