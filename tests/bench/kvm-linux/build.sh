#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds what tests/bench/kvm-linux/run.sh boots: kvmboot (a static Linux/KVM VMM, from
# kvmboot.c and lib/linux_dt.c) and an L1 initramfs holding busybox, kvmboot, this
# directory's /init and the guest to boot: the Image and initramfs of `make linux`
# (scripts/linux/build.sh, run first if they are missing).
#
# Usage: tests/bench/kvm-linux/build.sh [OUTDIR]   (default build/bench-kvm-linux)
# Outputs: OUTDIR/kvmboot, OUTDIR/initramfs.cpio (uncompressed: L1 need not spend time
# inflating 30 MiB of kernel), OUTDIR/initramfs/ (the tree, for inspection), OUTDIR/dtbgen
# (native: lib/linux_dt.c's tree as a file, for bare QEMU's -dtb).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${1:-$root/build/bench-kvm-linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
linux=build/linux
stage=$out/initramfs

die() {
	echo "kvm-linux/build: $*" >&2
	exit 1
}

if [ ! -f "$linux/Image" ] || [ ! -f "$linux/initramfs.cpio.gz" ]; then
	scripts/linux/build.sh "$linux" || die "scripts/linux/build.sh failed"
fi

# busybox-static: the package scripts/linux/build.sh already fetched, else our own copy.
bdeb=$(compgen -G "$linux/debs/busybox-static_*_arm64.deb" | sort -V | tail -n 1 || true)
if [ -z "$bdeb" ]; then
	bdeb=$(compgen -G "$out/debs/busybox-static_*_arm64.deb" | sort -V | tail -n 1 || true)
fi
if [ -z "$bdeb" ]; then
	mkdir -p "$out/debs"
	(cd "$out/debs" && apt-get download -qq -o APT::Sandbox::User=root busybox-static:arm64 >/dev/null) ||
		die "apt-get download busybox-static:arm64 failed"
	bdeb=$(compgen -G "$out/debs/busybox-static_*_arm64.deb" | head -n 1)
fi

aarch64-linux-gnu-gcc -std=c11 -static -O2 -Wall -Wextra -Werror -Iinclude -o "$out/kvmboot" \
	"$here/kvmboot.c" lib/linux_dt.c lib/fdt_write.c lib/linux_image.c
aarch64-linux-gnu-strip "$out/kvmboot"
# dtbgen runs here, beside QEMU: the guests' device tree for run.sh --tv-dtb.
gcc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -o "$out/dtbgen" "$here/dtbgen.c" lib/linux_dt.c \
	lib/fdt_write.c

rm -rf "$stage" "$out/busybox"
mkdir -p "$stage"/{bin,dev,proc,sys,guest}
dpkg-deb -x "$bdeb" "$out/busybox"
cp "$out/busybox/bin/busybox" "$stage/bin/busybox"
rm -rf "$out/busybox"
for applet in sh mount echo grep sed dmesg poweroff; do
	ln -s busybox "$stage/bin/$applet"
done
install -m 0755 "$here/init" "$stage/init"
cp "$out/kvmboot" "$stage/kvmboot"
cp "$linux/Image" "$linux/initramfs.cpio.gz" "$stage/guest/"
# /dev/console for init's output before devtmpfs is mounted (the kernel's built-in
# initramfs has one too).
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi

# Reproducible: sorted names, owner root, times zero.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
	>"$out/initramfs.cpio.tmp"
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
