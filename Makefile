# Kairos build.  `make help` lists the targets.
#
# Layers: kernel/ (the portable core: lib, mm, dev, proc, exec, sys, and boot in
# kernel/ itself), progs/ (the kernel programs: init, shell, demos),
# arch/arch.h (the contract), arch/x86_64 (the port that boots), arch/host
# (the core as a Linux process, for tests).

.DEFAULT_GOAL := all
ARCH := x86_64

ifeq ($(origin CC),default)
CC := gcc
endif
LD ?= ld
OBJCOPY ?= objcopy
HOST_CC ?= gcc
QEMU ?= qemu-system-x86_64
PYTHON ?= python3

# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n'
endif

# Images built by gcc go to build/, by another compiler to build/<cc>/.
ifeq ($(notdir $(CC)),gcc)
BUILD := build
else
BUILD := build/$(notdir $(CC))
endif

# ---- Kernel ----------------------------------------------------------------

# The core's subsystems, bottom layer first (tools/include-check.py holds
# the include graph to this order).
CORE_DIRS := kernel/lib kernel/mm kernel/dev kernel/fs kernel/proc kernel/exec \
	kernel/sys
CORE_INC := -Ikernel $(addprefix -I,$(CORE_DIRS)) -Iprogs

KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -Wall -Wextra -Werror -Wmissing-prototypes \
	$(CORE_INC) -Iarch -Iarch/$(ARCH) -MMD -MP
KERNEL_ASFLAGS := -Iarch -Iarch/$(ARCH) $(CORE_INC) -MMD -MP -D__ASSEMBLY__
KERNEL_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T arch/$(ARCH)/linker.ld

CORE_SRCS := $(wildcard kernel/*.c $(addsuffix /*.c,$(CORE_DIRS))) \
	$(filter-out progs/run.c,$(wildcard progs/*.c))
ARCH_SRCS := $(wildcard arch/$(ARCH)/*.c arch/$(ARCH)/*.S)
KTEST_SRCS := $(wildcard tests/kernel/*.c tests/kernel/*.S)

kobj = $(patsubst %,$(BUILD)/obj/%.o,$(1))
KERNEL_OBJS := $(call kobj,$(CORE_SRCS) $(ARCH_SRCS) progs/run.c)
KTEST_OBJS := $(call kobj,$(CORE_SRCS) $(ARCH_SRCS) $(KTEST_SRCS))

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(@D)
	$(say) AS $<
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# Two-pass link: the second pass embeds the symbol table for backtraces.
$(BUILD)/%.elf: tools/link-kernel.sh arch/$(ARCH)/linker.ld
	$(say) LD $@
	$(Q)tools/link-kernel.sh "$(CC)" "$(LD)" "$(KERNEL_LDFLAGS)" $@ $(filter %.o,$^)

$(BUILD)/kairos.elf: $(KERNEL_OBJS)
$(BUILD)/kairos-test.elf: $(KTEST_OBJS)

$(BUILD)/%.bin: $(BUILD)/%.elf
	$(say) OBJCOPY $@
	$(Q)$(OBJCOPY) -O binary $< $@

KERNEL := $(BUILD)/kairos.bin
KTEST := $(BUILD)/kairos-test.bin
ISO ?= $(BUILD)/kairos.iso
ISO_DIR = $(basename $(ISO))-iso

# ---- User programs -------------------------------------------------------------
#
# Static musl programs (docs/user.md, "Programs"): user/NAME.c, or every .c
# under user/NAME/, becomes build/user/bin/NAME, which the initramfs holds
# as /bin/NAME.  USER_PIE programs are also built as static-PIE (ET_DYN),
# NAME-pie.  Debian's musl-gcc specs know no -static-pie (they always ask
# for musl's dynamic linker and Scrt1.o), so the PIE link names musl's
# rcrt1.o and the crt files itself and drops the interpreter.  No -g: the
# archive stays small, and the symbol table is kept for the fault log's rip.

USER_CC ?= musl-gcc
USER_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Iuser/include -MMD -MP
USER_DIR := build/user
USER_NAMES := $(sort $(basename $(notdir $(wildcard user/*.c))) \
	$(notdir $(patsubst %/,%,$(dir $(wildcard user/*/*.c)))))
USER_PIE := hello
USER_BINS := $(addprefix $(USER_DIR)/bin/,$(USER_NAMES) $(addsuffix -pie,$(USER_PIE)))
user_srcs = $(wildcard user/$(1).c user/$(1)/*.c)
# musl's start files (Debian's path); gcc's crtbeginS.o and crtendS.o.
MUSL_LIB ?= /usr/lib/x86_64-linux-musl
gcc_crt = $(shell $(USER_CC) -print-file-name=$(1))
USER_PIE_LINK = -fpie -static-pie -nostartfiles -Wl,-static \
	-Wl,--no-dynamic-linker -Wl,-z,text $(MUSL_LIB)/rcrt1.o \
	$(MUSL_LIB)/crti.o $(call gcc_crt,crtbeginS.o) $(1) \
	$(call gcc_crt,crtendS.o) $(MUSL_LIB)/crtn.o

# Installs musl-tools once when musl-gcc is missing (tools/deps.sh).
.SECONDEXPANSION:
.PHONY: user-cc
user-cc:
	@command -v $(USER_CC) >/dev/null 2>&1 || tools/deps.sh user

$(USER_DIR)/bin/%-pie: $$(call user_srcs,%) | user-cc
	@mkdir -p $(@D) build/user-deps
	$(say) MUSLCC $@
	$(Q)$(USER_CC) $(USER_CFLAGS) -MF build/user-deps/$*-pie.d -MT $@ \
		$(call USER_PIE_LINK,$(call user_srcs,$*)) -o $@

$(USER_DIR)/bin/%: $$(call user_srcs,%) | user-cc
	@mkdir -p $(@D) build/user-deps
	$(say) MUSLCC $@
	$(Q)$(USER_CC) $(USER_CFLAGS) -MF build/user-deps/$*.d -MT $@ -static \
		$(call user_srcs,$*) -o $@

# usertests for Linux, posix_spawn standing in for kairos_spawn: test-unit
# runs it on this machine to check the suite against Linux's semantics.
USERTESTS_LINUX := build/host/usertests-linux
$(USERTESTS_LINUX): user/usertests/linux/spawn.c \
		$(filter-out user/usertests/spawn.c,$(wildcard user/usertests/*.c)) \
		| user-cc
	@mkdir -p $(@D) build/user-deps
	$(say) MUSLCC $@
	$(Q)$(USER_CC) $(USER_CFLAGS) -Iuser/usertests \
		-MF build/user-deps/usertests-linux.d -MT $@ -static $^ -o $@

.PHONY: user
user: $(USER_BINS) ## Build the user programs (build/user/bin, /bin in the initramfs)

# ---- Initramfs ---------------------------------------------------------------
#
# $(INITRD), the cpio archive QEMU (-initrd) and GRUB (module) pass as the
# first boot module, unpacked at boot as "/" (docs/fs.md): every file under
# user/rootfs, the empty directories in INITRD_DIRS, and every file under
# INITRD_EXTRA=DIR (paths relative to DIR; a file there replaces the tree's
# at the same path).  The test kernel's archive adds tests/kernel/initrd.py's
# files.  Rebuilt when a file or folder under a source changes, or the
# source list does (symbolic links are not prerequisites, since make would
# follow them and a dangling one like /etc/mtab has no rule: adding or
# removing one changes its folder).

INITRD := $(BUILD)/initramfs.cpio
KTEST_INITRD := $(BUILD)/initramfs-test.cpio
INITRD_DIRS := bin dev etc tmp
INITRD_SRCS := user/rootfs $(USER_DIR) $(INITRD_EXTRA)
INITRD_DEPS := tools/mkinitramfs.py $(BUILD)/initramfs.srcs $(USER_BINS) \
	$(shell find $(INITRD_SRCS) ! -type l 2>/dev/null)
mkinitramfs = $(PYTHON) tools/mkinitramfs.py -o $(1) \
	$(addprefix --dir ,$(INITRD_DIRS)) $(2)

$(BUILD)/initramfs.srcs: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(INITRD_SRCS)' | cmp -s - $@ || \
		printf '%s\n' '$(INITRD_SRCS)' >$@

$(INITRD): $(INITRD_DEPS)
	$(say) CPIO $@
	$(Q)$(call mkinitramfs,$@,$(INITRD_SRCS))

$(KTEST_INITRD): $(INITRD_DEPS) tests/kernel/initrd.py
	$(say) CPIO $@
	$(Q)rm -rf $(BUILD)/initrd-test
	$(Q)$(PYTHON) tests/kernel/initrd.py $(BUILD)/initrd-test build/host/elf/tiny
	$(Q)mkdir -p $(BUILD)/initrd-test/ktest/bin && \
		for f in $(ELF_FIXTURES); do [ ! -f $$f ] || \
		cp $$f $(BUILD)/initrd-test/ktest/bin/; done
	$(Q)$(call mkinitramfs,$@,$(INITRD_SRCS) $(BUILD)/initrd-test)

# Debian 12's busybox-static (docs/boot.md, "busybox"): tools/busybox.sh
# fetches the package with apt-get download (once: offline afterwards) and
# stages /bin/busybox and a link per applet under build/busybox/root, an
# extra source of an archive of its own, so the default image needs no
# network.  `make run-busybox` boots it with init=/bin/busybox.
BUSYBOX_DIR := build/busybox
BUSYBOX := $(BUSYBOX_DIR)/root/bin/busybox
BUSYBOX_INITRD := $(BUILD)/initramfs-busybox.cpio

$(BUSYBOX): tools/busybox.sh
	$(say) BUSYBOX $@
	$(Q)tools/busybox.sh $(BUSYBOX_DIR)

$(BUSYBOX_INITRD): $(INITRD_DEPS) $(BUSYBOX)
	$(say) CPIO $@
	$(Q)$(call mkinitramfs,$@,$(INITRD_SRCS) $(BUSYBOX_DIR)/root)

.PHONY: busybox
busybox: $(BUSYBOX_INITRD) ## Fetch Debian's busybox-static; build its archive

.PHONY: all kernel test-kernel initramfs
all: $(KERNEL) $(INITRD) ## Build the kernel image and the initramfs (the default)
initramfs: $(INITRD) ## Build the initramfs archive (INITRD_EXTRA=DIR adds DIR)
kernel: $(KERNEL)
test-kernel: $(KTEST) ## Build the test kernel (suites compiled in)

# ---- Host build: the core as a Linux process ------------------------------

HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer $(HOST_SAN) \
	-Wall -Wextra -Werror $(CORE_INC) -Iarch -Iarch/host \
	-DKAIROS_HOST -MMD -MP
HOST_LIBC_DUPS := kernel/lib/string.c
HOST_SRCS := $(filter-out $(HOST_LIBC_DUPS),$(CORE_SRCS)) \
	$(wildcard arch/host/*.c) arch/x86_64/switch.S
HOST_OBJS := $(patsubst %,build/host/obj/%.o,$(HOST_SRCS))
HOST_LIB := build/host/libkairos-test.a

build/host/obj/%.c.o: %.c
	@mkdir -p $(@D)
	$(say) HOSTCC $<
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

# Under ASan the host port wraps the switch to annotate stack changes
# (arch/host/fiber.c), so switch.S is assembled under another name.
HOST_ASFLAGS := -Darch_context_switch=host_context_switch

build/host/obj/%.S.o: %.S
	@mkdir -p $(@D)
	$(say) HOSTAS $<
	$(Q)$(HOST_CC) $(HOST_ASFLAGS) -c $< -o $@

$(HOST_LIB): $(HOST_OBJS)
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,build/host/tests/%,$(UNIT_SRCS))

build/host/tests/%: tests/unit/%.c $(HOST_LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(say) HOSTLD $@
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Itests/unit $< $(HOST_LIB) -lcmocka -ldl -o $@

.PHONY: unit-build
unit-build: $(UNIT_BINS)

# Static programs test_elf loads (docs/exec.md), built here rather than
# kept as binaries: tiny without libc (ET_EXEC and static-PIE), hello
# with glibc.  Where the host cannot link statically, a fixture is left
# out and test_elf skips it.
ELF_FIXTURES := $(addprefix build/host/elf/,tiny tiny-pie hello hello-pie exit0)
ELF_TINY_FLAGS := -O1 -nostdlib -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -z noexecstack
elf_fixture = $(HOST_CC) $(2) $< -o $@ 2>/dev/null || \
	{ rm -f $@; echo "  (no static $(1): test_elf skips it)"; }

build/host/elf/tiny: tests/unit/data/elf_tiny.c
	@mkdir -p $(@D)
	$(Q)$(call elf_fixture,tiny,$(ELF_TINY_FLAGS) -static -no-pie)
build/host/elf/tiny-pie: tests/unit/data/elf_tiny.c
	@mkdir -p $(@D)
	$(Q)$(call elf_fixture,tiny-pie,$(ELF_TINY_FLAGS) -static-pie -fpie)
build/host/elf/exit0: tests/unit/data/elf_exit0.c
	@mkdir -p $(@D)
	$(Q)$(call elf_fixture,exit0,$(ELF_TINY_FLAGS) -static -no-pie)
build/host/elf/hello: tests/unit/data/elf_hello.c
	@mkdir -p $(@D)
	$(Q)$(call elf_fixture,hello,-O2 -static -no-pie)
build/host/elf/hello-pie: tests/unit/data/elf_hello.c
	@mkdir -p $(@D)
	$(Q)$(call elf_fixture,hello-pie,-O2 -static-pie -fpie)

build/host/tests/test_elf: $(ELF_FIXTURES)
# The test kernel runs them too, from /ktest/bin (tests/kernel/test_exec.c).
$(KTEST_INITRD): $(ELF_FIXTURES)
build/host/tests/test_elf: private HOST_CFLAGS += \
	-DELF_FIXTURES='"$(CURDIR)/build/host/elf"'

# ---- Host library: the core for programs outside the tree ------------------
#
# build/host/libkairos.a is the same core and host port as the unit tests,
# built without sanitizers at -O2 (switch.S is the switch itself here), and
# build/host/include/ holds the public header and the host port's controls.
# docs/host.md shows how to use them; examples/hello is a program that does.

HOSTLIB := build/host/libkairos.a
HOSTLIB_CFLAGS := -std=gnu11 -O2 -g -fno-omit-frame-pointer \
	-Wall -Wextra -Werror $(CORE_INC) -Iarch -Iarch/host -MMD -MP
HOSTLIB_OBJS := $(patsubst %,build/host/lib/%.o,$(HOST_SRCS))
# process.h, plus what block_current_locked's struct spinlock needs.
HOSTLIB_HEADERS := $(addprefix build/host/include/,process.h host.h list.h \
	spinlock.h param.h arch.h arch_types.h)

build/host/lib/%.c.o: %.c
	@mkdir -p $(@D)
	$(say) HOSTCC $@
	$(Q)$(HOST_CC) $(HOSTLIB_CFLAGS) -c $< -o $@

build/host/lib/%.S.o: %.S
	@mkdir -p $(@D)
	$(say) HOSTAS $@
	$(Q)$(HOST_CC) -c $< -o $@

$(HOSTLIB): $(HOSTLIB_OBJS)
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

# Each public header from wherever it lives in the tree.
HOSTLIB_HEADER_DIRS := kernel/proc kernel/lib kernel arch/host arch
hostlib_header_src = $(firstword $(wildcard $(addsuffix /$(1),$(HOSTLIB_HEADER_DIRS))))

.SECONDEXPANSION:
build/host/include/%.h: $$(call hostlib_header_src,%.h)
	@mkdir -p $(@D)
	$(Q)cp $< $@

.PHONY: host-lib
host-lib: $(HOSTLIB) $(HOSTLIB_HEADERS) ## The core as a static library and headers (build/host)

# ---- Kernel benchmarks -------------------------------------------------------
#
# build/kairos-bench.bin: the core and the port with bench/kernel/*.c in
# place of progs/run.c, built the way the test image is.  Its init measures
# instructions per operation under QEMU -icount; bench/kernel/run.sh boots
# it (and build/kairos.bin, for boot-to-prompt) and prints the CSV lines.
# docs/bench-kernel.md.

KBENCH_SRCS := $(wildcard bench/kernel/*.c)
KBENCH_OBJS := $(call kobj,$(CORE_SRCS) $(ARCH_SRCS) $(KBENCH_SRCS))

$(BUILD)/kairos-bench.elf: $(KBENCH_OBJS)

# ---- Benchmarks ----------------------------------------------------------------
#
# bench/host/*.c: one program per host benchmark (B1-B8), each linked with
# the harness and the host library (build/host/libkairos.a, -O2, no
# sanitizers).  Kernel headers come in through -iquote only, so the
# kernel's sched.h never hides the C library's <sched.h>; B3, B4 and B6
# include internals (proc.h, runqueue.h, heap.h), as their comments say.
# bench/run.py runs them, then each under callgrind, then
# bench/kernel/run.sh, and writes build/bench/ and docs/bench/.

BENCH_CFLAGS := -std=gnu11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra \
	-Werror -iquote build/host/include -iquote bench/host \
	$(patsubst -I%,-iquote %,$(CORE_INC)) -iquote arch -iquote arch/host
BENCH_SRCS := $(wildcard bench/host/b[0-9]_*.c)
BENCH_BINS := $(patsubst bench/host/%.c,build/bench/bin/%,$(BENCH_SRCS))
BENCH_IMAGES := $(KERNEL) $(BUILD)/kairos-bench.bin $(KTEST_INITRD)

build/bench/bin/%: bench/host/%.c bench/host/harness.c bench/host/harness.h \
		$(HOSTLIB) $(HOSTLIB_HEADERS)
	@mkdir -p $(@D)
	$(say) HOSTLD $@
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) $< bench/host/harness.c $(HOSTLIB) \
		-lboost_context -lpthread -o $@

.PHONY: bench bench-smoke bench-kernel
bench: ## Run every benchmark: one table, build/bench/ and docs/bench/ (minutes)
	@tools/deps.sh bench
	@$(MAKE) -s --no-print-directory $(BENCH_BINS) $(BENCH_IMAGES)
	@$(PYTHON) bench/run.py

bench-kernel: $(BENCH_IMAGES) ## Kernel benchmarks only: instructions per operation (QEMU -icount)
	@BUILD=$(BUILD) bench/kernel/run.sh

bench-smoke: $(BENCH_BINS) $(BENCH_IMAGES) ## Every benchmark once, briefly (TAP)
	@mkdir -p $(RESULTS)
	@tools/run-layer.sh $(RESULTS)/bench.tap $(PYTHON) bench/run.py --smoke

# ---- Tests -----------------------------------------------------------------

RESULTS := build/results

.PHONY: test test-unit test-kernel-run test-e2e format-check build-check include-check deps deps-run
deps: ## Install what make test needs (Debian packages)
	@tools/deps.sh test
deps-run:
	@tools/deps.sh run

test: deps ## Run every test layer; ends with "N passed, N failed"
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@$(MAKE) --no-print-directory test-layers; \
	tools/tap-summary.sh $(RESULTS)

.PHONY: test-layers
test-layers:
	-@$(MAKE) --no-print-directory format-check
	-@$(MAKE) --no-print-directory build-check
	-@$(MAKE) --no-print-directory include-check
	-@$(MAKE) --no-print-directory test-unit
	-@$(MAKE) --no-print-directory test-kernel-run
	-@$(MAKE) --no-print-directory test-e2e
	-@$(MAKE) --no-print-directory bench-smoke

format-check: ## Check formatting with clang-format
	@mkdir -p $(RESULTS)
	@tools/run-layer.sh $(RESULTS)/format.tap tools/format-check.sh

include-check: ## The include graph: layers include down, no cycles
	@mkdir -p $(RESULTS)
	@tools/run-layer.sh $(RESULTS)/include.tap $(PYTHON) tools/include-check.py

build-check: ## The kernel and test kernel build with clang too
	@mkdir -p $(RESULTS)
	@tools/run-layer.sh $(RESULTS)/build.tap tools/build-check.sh

test-unit: $(UNIT_BINS) host-lib $(USERTESTS_LINUX) ## Host unit tests (cmocka, ASan + UBSan)
	@mkdir -p $(RESULTS)
	@for t in $(UNIT_BINS); do \
		tools/run-layer.sh $(RESULTS)/unit-$$(basename $$t).tap \
			env CMOCKA_MESSAGE_OUTPUT=TAP $$t; \
	done
	@tools/run-layer.sh $(RESULTS)/unit-hostlib.tap tests/unit/hostlib.sh
	@tools/run-layer.sh $(RESULTS)/unit-trace2json.tap $(PYTHON) tests/unit/test_trace2json.py
	@tools/run-layer.sh $(RESULTS)/unit-mkinitramfs.tap $(PYTHON) tests/unit/test_mkinitramfs.py
	@tools/run-layer.sh $(RESULTS)/unit-usertests-linux.tap \
		tests/unit/usertests-linux.sh $(USERTESTS_LINUX)

test-kernel-run: $(KTEST) $(KERNEL) $(KTEST_INITRD) ## In-kernel suites in QEMU (TAP over serial)
	@mkdir -p $(RESULTS)
	@tools/run-layer.sh $(RESULTS)/kernel.tap tests/kernel/run.sh $(KTEST) \
		$(KTEST_INITRD)

# The busybox case SKIPs (saying why) when the package cannot be fetched.
test-e2e: $(KERNEL) $(ISO) $(INITRD) ## Boot the make-run image and drive its shell
	@mkdir -p $(RESULTS)
	-@$(MAKE) --no-print-directory busybox
	@tools/run-layer.sh $(RESULTS)/e2e.tap env INITRD=$(INITRD) \
		BUSYBOX_INITRD=$(BUSYBOX_INITRD) \
		$(PYTHON) tests/e2e/e2e.py $(KERNEL) $(ISO)

# ---- Running and debugging ---------------------------------------------------

QEMU_FLAGS := -machine pc -m 128M -no-reboot
ifeq ($(DISPLAY),)
QEMU_FLAGS += -display none
endif
APPEND ?=

# docs/trace.md: boot, trace spin and pingpong, convert (build/trace/).
.PHONY: trace-demo
trace-demo: $(KERNEL) ## Record a scheduler trace in QEMU: JSON and docs/trace-demo.png
	@tools/deps.sh trace
	@$(PYTHON) tools/trace-demo.py $(KERNEL) build/trace docs/trace-demo.png

.PHONY: run debug iso run-iso
run: deps-run $(KERNEL) $(INITRD) ## Boot Kairos in QEMU (INITRD_EXTRA=DIR adds files)
	@echo "Kairos in QEMU: serial on this terminal; Ctrl-A X quits QEMU."
	$(QEMU) $(QEMU_FLAGS) -serial mon:stdio -kernel $(KERNEL) \
		-initrd $(INITRD) -append "$(APPEND)"

.PHONY: run-busybox
run-busybox: deps-run $(KERNEL) $(BUSYBOX_INITRD) ## Boot with busybox sh as the console program (init=)
	@echo "Kairos in QEMU: serial on this terminal; Ctrl-A X quits QEMU."
	$(QEMU) $(QEMU_FLAGS) -serial mon:stdio -kernel $(KERNEL) \
		-initrd $(BUSYBOX_INITRD) \
		-append "init=/bin/busybox init.args=sh $(APPEND)"

# gdb owns the terminal, so the serial console goes to a file.
debug: $(KERNEL) $(INITRD) ## Boot halted with the gdb stub and attach gdb
	@tools/deps.sh debug
	@echo "Serial output: $(BUILD)/serial.log (tail -f it in another terminal)"
	$(QEMU) $(QEMU_FLAGS) -serial file:$(BUILD)/serial.log \
		-monitor none -kernel $(KERNEL) -initrd $(INITRD) \
		-append "$(APPEND)" -S -s & \
	gdb -q -x tools/gdbinit $(BUILD)/kairos.elf; kill $$! 2>/dev/null || true

iso: $(ISO) ## GRUB-bootable ISO for real hardware (kernel options: APPEND=; INITRD_EXTRA=)

# GRUB passes the options on its multiboot line: tools/grub.cfg's @APPEND@
# becomes APPEND's words (plain key=value words: no quotes, '|' or '&').
# $(ISO).append holds the words the ISO was made with, rewritten only when
# they change, so a new APPEND rebuilds the ISO.  ISO= puts it elsewhere.
$(ISO).append: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(APPEND)' | cmp -s - $@ || printf '%s\n' '$(APPEND)' >$@

$(ISO): $(KERNEL) $(INITRD) tools/grub.cfg $(ISO).append
	@tools/deps.sh iso
	@rm -rf $(ISO_DIR) && mkdir -p $(ISO_DIR)/boot/grub
	@cp $(KERNEL) $(ISO_DIR)/boot/kairos.bin
	@cp $(INITRD) $(ISO_DIR)/boot/initramfs.cpio
	@sed 's|@APPEND@|$(APPEND)|' tools/grub.cfg >$(ISO_DIR)/boot/grub/grub.cfg
	$(say) GRUB $@
	$(Q)grub-mkrescue -o $@ $(ISO_DIR) 2>$(ISO_DIR).log || \
		{ cat $(ISO_DIR).log; exit 1; }

run-iso: deps-run $(ISO) ## Boot the ISO in QEMU (kernel options: APPEND=)
	$(QEMU) $(QEMU_FLAGS) -serial mon:stdio -cdrom $(ISO)

.PHONY: FORCE
FORCE:

# ---- Tooling -------------------------------------------------------------------

.PHONY: compile-commands format clean help
compile-commands: ## Write compile_commands.json (bear)
	bear -- $(MAKE) -B $(KERNEL) $(KTEST) $(UNIT_BINS)

format: ## Reformat every source file in place
	clang-format -i $$(tools/format-check.sh --list)

clean: ## Remove build/
	rm -rf build

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  make %-18s %s\n", $$1, $$2}'

-include $(shell find build -name '*.d' 2>/dev/null)
