# SPDX-License-Identifier: MIT
# tagvisor: `make` builds everything, `make test` runs all tests, `make demo` the demo,
# `make bench` the benchmarks. Targets that need the cross compiler or QEMU first run
# scripts/install-deps.sh, which does nothing once the machine has them.

CROSS ?= aarch64-linux-gnu-
ARM_CC := $(CROSS)gcc
ARM_OBJCOPY := $(CROSS)objcopy
HOSTCC ?= gcc
B := build

WARN := -Wall -Wextra -Werror
ARM_CFLAGS := -std=c11 -O2 -g $(WARN) -march=armv8.5-a+memtag -ffreestanding -nostdlib \
	-fno-builtin -mgeneral-regs-only -mstrict-align -fno-pie -fno-stack-protector \
	-mno-outline-atomics -fno-common -MMD -MP -Iinclude $(if $(DEBUG),-DTV_DEBUG)
ARM_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,--no-warn-rwx-segments
HOST_CFLAGS := -std=c11 -O2 -g $(WARN) -MMD -MP -Iinclude

DEPS_STAMP := $(B)/.deps-ok

.PHONY: all deps test unit-test qemu-test demo bench fuzz clean format linux linux-host install
all: $(B)/hyp.elf $(B)/host.elf guests $(B)/tagvisor $(B)/unit-tests

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@mkdir -p $(B)
	@./scripts/install-deps.sh
	@touch $@

# ---- freestanding library, built once per image kind --------------------------------------
LIB_SRCS := lib/string.c lib/fmt.c lib/fdt.c lib/tagcodec.c

# ---- the hypervisor (EL2) ----------------------------------------------------------------
HYP_SRCS := $(wildcard hyp/core/*.c) $(wildcard hyp/arch/aarch64/*.c) \
	$(wildcard hyp/arch/aarch64/*.S) $(LIB_SRCS) lib/fdt_write.c lib/linux_dt.c
HYP_OBJS := $(patsubst %,$(B)/hyp/%.o,$(HYP_SRCS))
HYP_CFLAGS := $(ARM_CFLAGS) -Ihyp/include -Ihyp/arch/aarch64/include

$(B)/hyp/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(HYP_CFLAGS) -c $< -o $@
$(B)/hyp/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(HYP_CFLAGS) -c $< -o $@
$(B)/hyp.elf: $(HYP_OBJS) hyp/arch/aarch64/hyp.ld
	$(ARM_CC) $(ARM_LDFLAGS) -T hyp/arch/aarch64/hyp.ld $(HYP_OBJS) -lgcc -o $@

# ---- guests: bare-metal programs for QEMU's virt machine (EL1, RAM at 0x40000000) ---------
GUEST_NAMES := $(notdir $(basename $(wildcard guests/*.c)))
GUEST_ELFS := $(patsubst %,$(B)/guests/%.elf,$(GUEST_NAMES))
GUEST_LIB := $(wildcard guests/lib/*.S) $(wildcard guests/lib/*.c) lib/string.c lib/fmt.c \
	lib/fdt.c
GUEST_CFLAGS := $(ARM_CFLAGS) -Iguests/lib

# Each guest also as a raw binary (linked at RAM + 0x80000, where QEMU and tagvisor's
# --kernel load one), for guests that need the device tree and the GIC of a --kernel VM.
guests: $(GUEST_ELFS) $(GUEST_ELFS:.elf=.bin)
$(B)/guests/%.elf: guests/%.c $(GUEST_LIB) $(wildcard guests/lib/*.h) guests/lib/guest.ld | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(GUEST_CFLAGS) $(ARM_LDFLAGS) -T guests/lib/guest.ld $(GUEST_LIB) $< -lgcc -o $@
$(B)/guests/%.bin: $(B)/guests/%.elf
	$(ARM_OBJCOPY) -O binary $< $@

# ---- the host (EL1): VMM and test driver --------------------------------------------------
HOST_SRCS := $(wildcard host/*.c) $(wildcard host/*.S) $(wildcard host/vmm/*.c) \
	$(wildcard host/drivers/*.c) \
	$(wildcard host/tests/*.c) $(LIB_SRCS) lib/tagpattern.c lib/snapshot.c lib/crc32c.c \
	lib/fdt_write.c lib/linux_dt.c lib/linux_image.c
HOST_OBJS := $(patsubst %,$(B)/host/%.o,$(HOST_SRCS))
HOST_EL1_CFLAGS := $(ARM_CFLAGS) -Ihost/include -I$(B)/host

$(B)/host/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(HOST_EL1_CFLAGS) -c $< -o $@
# Guest images embedded in the host for its tests.
$(B)/host/host/guest_images.S.o: $(B)/guests/service.elf $(B)/guests/side_doors.elf
$(B)/host/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(HOST_EL1_CFLAGS) -DGUEST_DIR=$(B)/guests -c $< -o $@
$(B)/host.elf: $(HOST_OBJS) host/host.ld
	$(ARM_CC) $(ARM_LDFLAGS) -T host/host.ld $(HOST_OBJS) -lgcc -o $@

# ---- host-native tools and unit tests ----------------------------------------------------
TOOL_SRCS := $(wildcard tools/tagvisor/*.c)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null)
$(B)/tagvisor: $(TOOL_SRCS) $(wildcard tools/tagvisor/*.h) $(wildcard include/abi/*.h) \
		lib/snapshot.c lib/crc32c.c lib/tagcodec.c lib/fmt.c lib/linux_image.c $(wildcard include/lib/*.h)
	@mkdir -p $(B)
	$(HOSTCC) $(HOST_CFLAGS) -Itools/tagvisor $(if $(GIT_COMMIT),'-DTV_GIT_COMMIT=" ($(GIT_COMMIT))"') \
		$(TOOL_SRCS) lib/snapshot.c lib/crc32c.c lib/tagcodec.c lib/fmt.c lib/linux_image.c -o $@

# The core is built natively against the fake arch; lib/string.h is libc's there.
UNIT_SRCS := $(wildcard tests/unit/*.c) tests/common/tagcodec_ref.c $(wildcard hyp/core/*.c) \
	$(wildcard hyp/arch/fake/*.c) host/drivers/virtqueue.c tools/tagvisor/options.c \
	tools/tagvisor/cpio.c \
	lib/fmt.c lib/fdt.c lib/tagcodec.c lib/tagpattern.c lib/snapshot.c lib/crc32c.c \
	lib/fdt_write.c lib/linux_dt.c lib/linux_image.c
UNIT_CFLAGS := $(HOST_CFLAGS) -Ihyp/include -Ihyp/arch/fake/include -Ihost/include -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DTV_FAKE_ARCH -DTV_DEBUG
$(B)/unit-tests: $(UNIT_SRCS) $(wildcard hyp/include/hyp/*.h) $(wildcard include/*/*.h) \
		$(wildcard tests/unit/*.h) $(wildcard host/include/drivers/*.h) $(wildcard tests/common/*.h) \
		$(wildcard tools/tagvisor/*.h)
	@mkdir -p $(B)
	$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_SRCS) -o $@

# ---- running -------------------------------------------------------------------------------
# Debian's arm64 kernel and a busybox initramfs with the userspace MTE test
# (scripts/linux/build.sh; downloaded with apt, never committed).
LINUX := $(B)/linux/Image $(B)/linux/initramfs.cpio.gz
linux: $(LINUX)
$(LINUX): scripts/linux/build.sh $(wildcard guests/linux/*) include/abi/guest.h | $(DEPS_STAMP)
	@./scripts/linux/build.sh $(B)/linux

# tagvisor's Linux host (docs/LINUX-HOST.md): tagvisor.ko and tvthreat.ko built with kbuild
# against Debian's headers for that kernel, tvrun, tvapi and the host's initramfs
# (scripts/linux/build-host.sh; the headers are downloaded with apt, never committed).
LINUX_HOST := $(B)/linux-host/initramfs.cpio.gz
linux-host: $(LINUX_HOST)
$(LINUX_HOST): $(LINUX) scripts/linux/build-host.sh $(shell find linux-host -type f) \
		$(wildcard include/abi/*.h) include/uapi/tagvisor.h \
		$(B)/guests/tag_keeper.elf $(B)/guests/service.elf $(B)/guests/hello.elf | $(DEPS_STAMP)
	@./scripts/linux/build-host.sh $(B)/linux-host

test: all linux linux-host
	@./tests/run-all.sh

unit-test: $(B)/unit-tests
	@$(B)/unit-tests

demo: all
	$(B)/tagvisor run $(B)/guests/demo.elf

bench: all linux
	@./tests/bench/run.sh

fuzz: $(DEPS_STAMP)
	@./tests/fuzz/run.sh

# make install PREFIX=DIR: DIR/bin/tagvisor, and in DIR/share/tagvisor the hypervisor and
# host images it runs (found there as ../share/tagvisor beside the binary) and the guests.
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tagvisor/guests
	install -m 0755 $(B)/tagvisor $(DESTDIR)$(PREFIX)/bin/tagvisor
	install -m 0644 $(B)/hyp.elf $(B)/host.elf $(DESTDIR)$(PREFIX)/share/tagvisor/
	install -m 0644 $(GUEST_ELFS) $(DESTDIR)$(PREFIX)/share/tagvisor/guests/
	if [ -f $(LINUX_HOST) ]; then \
		install -d $(DESTDIR)$(PREFIX)/share/tagvisor/linux-host && \
		install -m 0644 $(B)/linux-host/Image $(LINUX_HOST) $(DESTDIR)$(PREFIX)/share/tagvisor/linux-host/; \
	fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

-include $(shell find $(B)/hyp $(B)/host $(B)/guests -name '*.d' -type f 2>/dev/null)
