#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds what tagvisor's Linux host boots (tagvisor run --linux-host, docs/LINUX-HOST.md):
# Debian's arm64 kernel (the Image scripts/linux/build.sh fetched), tagvisor.ko and the
# test module tvthreat.ko built with kbuild against Debian's headers for exactly that
# kernel, the userspace programs, and the host's initramfs.
#
# Usage: scripts/linux/build-host.sh [OUTDIR]    (default: build/linux-host of the repo)
# Needs: build/linux (make linux) and the guests (make guests).
# Outputs: OUTDIR/Image (a link to build/linux/Image), OUTDIR/initramfs.cpio.gz
#
# The modules are cross-built on this (x86) machine: Debian's linux-headers-ABI-arm64
# holds the arm64 kernel's configuration, Module.symvers and generated headers, and
# points at linux-kbuild-6.1 for kbuild's programs (fixdep, modpost, ...), which must
# run here: so that package is fetched for this machine's architecture. All three are
# fetched with `apt-get download` at the kernel package's exact version, unpacked in
# OUTDIR/kernel (never installed) and kept in OUTDIR/debs.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-$root/build/linux-host}
mkdir -p "$out"
out=$(cd "$out" && pwd)
linux=${LINUX_DIR:-$root/build/linux}
guests=${GUESTS_DIR:-$root/build/guests}
debs=$out/debs
kroot=$out/kernel
obj=$out/obj
stage=$out/initramfs
cd "$root"

die() {
	echo "linux-host/build: $*" >&2
	exit 1
}

say() {
	echo "linux-host/build: $*" >&2
}

[ -f "$linux/Image.source" ] && [ -f "$linux/Image" ] || die "no $linux/Image: run make linux first"
kdeb=$linux/debs/$(cat "$linux/Image.source")
[ -f "$kdeb" ] || die "$kdeb is gone: run make linux again"
for g in tag_keeper service hello; do
	[ -f "$guests/$g.elf" ] || die "no $guests/$g.elf: run make guests first"
done

# linux-image-6.1.0-57-arm64-unsigned_6.1.192-3_arm64.deb -> 6.1.0-57-arm64, 6.1.192-3
name=$(basename "$kdeb")
abi=$(sed -n 's/^linux-image-\(.*-arm64\)-unsigned_.*/\1/p' <<<"$name")
version=$(sed -n 's/^[^_]*_\([^_]*\)_arm64\.deb$/\1/p' <<<"$name")
major=$(sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p' <<<"$abi")
[ -n "$abi" ] && [ -n "$version" ] && [ -n "$major" ] || die "cannot read the kernel's ABI from $name"
build_arch=$(dpkg --print-architecture)
headers=linux-headers-$abi
common=linux-headers-${abi%-arm64}-common
kbuild=linux-kbuild-$major

# ---- the headers and kbuild, at the kernel's version (cached in $debs) ----------------------
have_deb() {
	compgen -G "$debs/${1}_${version}_$2.deb" >/dev/null
}
if ! have_deb "$headers" arm64 || ! have_deb "$common" all || ! have_deb "$kbuild" "$build_arch"; then
	say "downloading $headers, $common (arm64, $version) and $kbuild ($build_arch, ~14 MB)"
	mkdir -p "$debs.tmp"
	(cd "$debs.tmp" && apt-get download -qq -o APT::Sandbox::User=root \
		"$headers:arm64=$version" "$common:all=$version" "$kbuild:$build_arch=$version" \
		>/dev/null) ||
		die "apt-get download of the $version headers failed (if the archive moved on to a newer kernel, remove $linux/debs and run make linux again)"
	mkdir -p "$debs"
	mv "$debs.tmp"/*.deb "$debs/"
	rmdir "$debs.tmp"
fi
if [ "$(cat "$kroot/.source" 2>/dev/null)" != "$abi $version" ]; then
	rm -rf "$kroot"
	mkdir -p "$kroot"
	for d in "$debs/${headers}_${version}_arm64.deb" "$debs/${common}_${version}_all.deb" \
		"$debs/${kbuild}_${version}_$build_arch.deb"; do
		dpkg-deb -x "$d" "$kroot"
	done
	echo "$abi $version" >"$kroot/.source"
fi
ksrc=$kroot/usr/src/$headers
[ -d "$ksrc" ] && [ -f "$kroot/usr/src/$common/Makefile" ] || die "the headers did not unpack as expected"

# ---- the modules ----------------------------------------------------------------------------
# kbuild writes next to the sources: build copies of them. The arm64 headers' Makefile
# includes the common one by an absolute path under /usr/src, so it is named directly.
build_module() {
	rm -rf "${obj:?}/$1"
	mkdir -p "$obj"
	cp -r "linux-host/$1" "$obj/$1"
	make -s -C "$ksrc" -f "$kroot/usr/src/$common/Makefile" M="$obj/$1" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- TAGVISOR_ROOT="$root" modules 2>&1 |
		grep -v 'Skipping BTF generation' >&2 || true
	[ -f "$obj/$1/$2.ko" ] || die "building $2.ko failed"
}
build_module driver tagvisor
build_module threat tvthreat

# ---- the initramfs --------------------------------------------------------------------------
bdeb=$(compgen -G "$linux/debs/busybox-static_*_arm64.deb" | sort -V | tail -n 1)
[ -n "$bdeb" ] || die "no busybox-static in $linux/debs: run make linux again"
rm -rf "$stage" "$obj/busybox"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules,guests}
dpkg-deb -x "$bdeb" "$obj/busybox"
cp "$obj/busybox/bin/busybox" "$stage/bin/busybox"
for applet in sh mount cat grep echo insmod rmmod dmesg poweroff sleep ls; do
	ln -s busybox "$stage/bin/$applet"
done
install -m 0755 linux-host/init "$stage/init"

# The virtio drivers of the link (modules in Debian's kernel), in the order they load.
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$obj" --wildcards \
	'./lib/modules/*/kernel/drivers/virtio/virtio_pci*.ko' \
	'./lib/modules/*/kernel/drivers/char/virtio_console.ko'
for m in virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do
	cp "$(compgen -G "$obj/lib/modules/$abi/kernel/drivers/*/$m.ko")" "$stage/lib/modules/"
done
cp "$obj/driver/tagvisor.ko" "$obj/threat/tvthreat.ko" "$stage/lib/modules/"

cflags=(-std=c11 -static -O2 -Wall -Wextra -Werror -Iinclude)
aarch64-linux-gnu-gcc "${cflags[@]}" -o "$stage/bin/tvrun" linux-host/vmm/*.c
aarch64-linux-gnu-gcc "${cflags[@]}" -o "$stage/bin/tvapi" linux-host/tests/tvapi.c
aarch64-linux-gnu-strip "$stage/bin/tvrun" "$stage/bin/tvapi"
for g in tag_keeper service hello; do
	cp "$guests/$g.elf" "$stage/guests/"
done
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi

# Reproducible, as the guest's: sorted names, owner root, times zero.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
ln -f "$linux/Image" "$out/Image" 2>/dev/null || cp "$linux/Image" "$out/Image"
echo "$abi" >"$out/kernel-release"
