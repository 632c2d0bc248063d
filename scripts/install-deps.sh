#!/bin/sh
# Brings a fresh Debian 12 machine to a state that builds and tests tagvisor.
# Idempotent: does nothing when every tool is already there.
# QEMU must be >= 8: Debian 12's own 7.2 stores one tag per page (QEMU issue 1416),
# so it comes from bookworm-backports, whose URI is copied from the machine's own sources.
set -eu

need_qemu_major=8

have() { command -v "$1" >/dev/null 2>&1; }

qemu_ok() {
	have qemu-system-aarch64 || return 1
	major=$(qemu-system-aarch64 --version | awk 'NR==1 { split($4, v, "."); print v[1] }')
	[ "${major:-0}" -ge "$need_qemu_major" ]
}

host_tools_ok() {
	have aarch64-linux-gnu-gcc && have gdb-multiarch && have clang && have cpio &&
		have dtc && have ip && [ -f /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]
}

if qemu_ok && host_tools_ok; then
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || { echo "install-deps: no Debian mirror found in apt sources" >&2; exit 1; }
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" | $SUDO tee /etc/apt/sources.list.d/tagvisor-backports.sources >/dev/null
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports qemu-system-arm >/dev/null
$SUDO apt-get install -y -qq gcc-aarch64-linux-gnu gdb-multiarch clang libclang-rt-14-dev \
	cpio device-tree-compiler iproute2 >/dev/null

if ! qemu_ok; then
	echo "install-deps: qemu-system-aarch64 >= $need_qemu_major is required (Debian 12's 7.2 corrupts MTE tags)" >&2
	exit 1
fi
