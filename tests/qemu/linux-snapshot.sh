#!/bin/bash
# Snapshot and restore of a running Linux guest: with tagvisor.snapshot on its command
# line, /init runs `mte_user --snapshot`, which tags a region, asks the VMM for a
# snapshot through the doorbell page and checks the region where it runs next. The
# saved run stops there; `tagvisor restore` brings the same process back, which checks
# the region again and runs the whole userspace MTE test.
# Usage: tests/qemu/linux-snapshot.sh --mte|--no-mte
set -u
exec tests/qemu/save-restore.sh "$@" --kernel build/linux/Image \
	--initrd build/linux/initramfs.cpio.gz --append "console=ttyAMA0 panic=-1 tagvisor.snapshot"
