#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds what a Linux guest of tagvisor boots: Debian's arm64 kernel as a raw `Image`
# and a small initramfs (busybox, /init, the static test programs of guests/linux/).
#
# Usage: scripts/linux/build.sh [OUTDIR]        (default: build/linux of the repo)
# Outputs: OUTDIR/Image, OUTDIR/initramfs.cpio.gz (and OUTDIR/kernel-release, the kernel's
# version string)
#
# The Debian packages are fetched with `apt-get download` and kept in OUTDIR/debs, so a
# second run does no network work. Quiet on success; needs root only for the first run
# (installing tools, adding the arm64 architecture to dpkg).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# OUTDIR is relative to where the script is run from; the default to the repo root.
out=${1:-$root/build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
debs=$out/debs
stage=$out/initramfs
work=$out/work

die() {
	echo "linux/build: $*" >&2
	exit 1
}

say() {
	echo "linux/build: $*" >&2
}

have() {
	command -v "$1" >/dev/null 2>&1
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

export DEBIAN_FRONTEND=noninteractive

# ---- tools ----------------------------------------------------------------------------------
# install-deps.sh brings the cross compiler (and cpio, QEMU, dtc) and is a no-op once
# they are there; the static test programs also need the cross libc's static archive.
./scripts/install-deps.sh
if ! have cpio || ! have gzip || ! have dpkg-deb || [ ! -f /usr/aarch64-linux-gnu/lib/libc.a ]; then
	as_root apt-get install -y -qq cpio gzip dpkg libc6-dev-arm64-cross >/dev/null
fi

# ---- downloads (cached in $debs) ------------------------------------------------------------
kernel_deb() {
	compgen -G "$debs/linux-image-*-arm64-unsigned_*_arm64.deb" | sort -V | tail -n 1
}
busybox_deb() {
	compgen -G "$debs/busybox-static_*_arm64.deb" | sort -V | tail -n 1
}

if [ -z "$(kernel_deb)" ] || [ -z "$(busybox_deb)" ]; then
	# Only now is the network needed: arm64 packages are visible to apt once dpkg knows
	# the architecture and the lists have been fetched for it.
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		say "adding the arm64 architecture to apt and fetching its package lists"
		as_root dpkg --add-architecture arm64
		as_root apt-get update -qq
	elif ! apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1; then
		say "fetching apt's package lists"
		as_root apt-get update -qq
	fi
	# The meta-package names the current ABI's signed image, e.g.
	# "linux-image-6.1.0-41-arm64 (= 6.1.158-1)"; its unsigned twin holds the same kernel
	# without the EFI signature wrapper.
	depends=$(apt-cache show --no-all-versions linux-image-arm64:arm64 | sed -n 's/^Depends: //p')
	signed=$(tr ',' '\n' <<<"$depends" | sed -n 's/^ *\(linux-image-[0-9][^ ]*-arm64\)\b.*/\1/p' |
		head -n 1)
	[ -n "$signed" ] || die "cannot find the kernel package linux-image-arm64:arm64 depends on"
	mkdir -p "$debs.tmp"
	say "downloading $signed-unsigned:arm64 (Debian's arm64 kernel, ~60 MB) and busybox-static:arm64"
	# As root, apt would warn that its sandbox user cannot write here; the download is of
	# signed archive files either way.
	(cd "$debs.tmp" && apt-get download -qq -o APT::Sandbox::User=root \
		"$signed-unsigned:arm64" busybox-static:arm64 >/dev/null) ||
		die "apt-get download of $signed-unsigned:arm64 and busybox-static:arm64 failed"
	mkdir -p "$debs"
	mv "$debs.tmp"/*.deb "$debs/"
	rmdir "$debs.tmp"
fi
kdeb=$(kernel_deb)
bdeb=$(busybox_deb)

# ---- the kernel -----------------------------------------------------------------------------
# A raw arm64 Image has "ARM\x64" at offset 56 (the arm64 boot protocol); Debian 12 ships
# it gzip-compressed, which neither tagvisor's loader nor QEMU's -kernel should have to undo.
image_magic() {
	od -An -tx1 -j56 -N4 "$1" | tr -d ' \n'
}

make_image() {
	# Only /boot is wanted: the modules are most of the package and the initramfs loads none.
	dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
	local vmlinuz
	vmlinuz=$(compgen -G "$work/boot/vmlinuz-*" | head -n 1)
	[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $(basename "$kdeb")"
	case $(od -An -tx1 -N2 "$vmlinuz" | tr -d ' \n') in
	1f8b) gzip -dc "$vmlinuz" >"$work/Image" ;;
	*) cp "$vmlinuz" "$work/Image" ;;
	esac
	[ "$(image_magic "$work/Image")" = 41524d64 ] ||
		die "$(basename "$vmlinuz") is neither a gzip'd nor a raw arm64 Image (no ARM\\x64 at offset 56)"
	mv "$work/Image" "$out/Image"
	basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$out/kernel-release"
	basename "$kdeb" >"$out/Image.source"
}

rm -rf "$work"
mkdir -p "$work"
# Unpacking the kernel package is most of a cached run's time: skip it when the Image was
# made from this very package.
if [ ! -f "$out/Image" ] || [ "$(cat "$out/Image.source" 2>/dev/null)" != "$(basename "$kdeb")" ]; then
	make_image
fi

# ---- the initramfs --------------------------------------------------------------------------
dpkg-deb -x "$bdeb" "$work/busybox"
[ -x "$work/busybox/bin/busybox" ] || die "no bin/busybox in $(basename "$bdeb")"

rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp}
cp "$work/busybox/bin/busybox" "$stage/bin/busybox"
# The applets /init uses, as links (busybox picks the applet from argv[0]).
for applet in sh mount cat grep echo uname poweroff sleep dmesg ls; do
	ln -s busybox "$stage/bin/$applet"
done
install -m 0755 guests/linux/init "$stage/init"

# The test programs are static: the initramfs has no C library. No -march: they must
# run (and say "no MTE") on any arm64 CPU; the MTE instructions name their extension.
cflags=(-std=c11 -static -O2 -Wall -Wextra -Werror -Iinclude)
for prog in mte_user cntvct semihost_user; do
	aarch64-linux-gnu-gcc "${cflags[@]}" -o "$stage/$prog" "guests/linux/$prog.c"
	aarch64-linux-gnu-strip "$stage/$prog"
done
# smp_mte runs a thread per CPU (guests/linux/smp_mte.c).
aarch64-linux-gnu-gcc "${cflags[@]}" -pthread -o "$stage/smp_mte" guests/linux/smp_mte.c
aarch64-linux-gnu-strip "$stage/smp_mte"

# The kernel's built-in initramfs already has /dev/console, which init's output needs
# before devtmpfs is mounted; make it here too where we may, so any kernel will do.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi

# Sorted names, owner root, times zero (in the archive and the gzip header): the same
# inputs give the same archive.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
rm -rf "$work"
