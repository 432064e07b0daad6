#!/bin/bash
# fetch-busybox.sh ARCH OUT: Debian's busybox-static for ARCH (i386 for the 686 kernel's userland),
# unpacked; OUT is the busybox binary. The amd64 one is the machine's own /bin/busybox.
set -euo pipefail
arch=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "busybox-static:$arch")
dpkg-deb -x "$tmp"/*.deb "$tmp/root"
mkdir -p "$(dirname "$out")"
cp "$tmp/root/bin/busybox" "$out"
