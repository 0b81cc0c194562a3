# SPDX-License-Identifier: GPL-2.0
#
# devmirror - every user-facing target. `make help` lists them.
#
# Kernel-side code is built against, and tested inside QEMU on, a test kernel
# that tests/vm/build-kernel builds from Debian's kernel source packages into
# a cache outside the work tree: Linux 6.12 by default, KERNEL=6.1 or
# KERNEL=7 (the newest 7.x of the archive's trixie-backports) for the others
# (tests/vm/lib.sh). Pass KDIR=/lib/modules/$(uname -r)/build to build the
# modules for a running kernel instead.

KERNEL ?= 6.12
KERNEL_VARIANT ?= base
KERNELS_ALL := 6.12 6.1 7
export DEVMIRROR_KERNEL := $(KERNEL)
# Build outputs of another kernel than the default carry its name.
KSUFFIX := $(if $(filter 6.12,$(KERNEL)),,-$(KERNEL))
BUILD := $(CURDIR)/build
TESTBIN := $(BUILD)/tests$(KSUFFIX)
VMRUN := tests/vm/run

# The test kernel's build directory, computed once, and only when a recipe
# needs it (building it the first time takes minutes).
# ($(shell) does not pass make's exports on before GNU make 4.4.)
TESTKDIR = $(eval TESTKDIR := $(shell DEVMIRROR_KERNEL=$(KERNEL) tests/vm/build-kernel $(KERNEL_VARIANT)))$(TESTKDIR)
ifeq ($(origin KDIR),undefined)
MODBUILD := $(BUILD)/modules/$(KERNEL_VARIANT)$(KSUFFIX)
MODKDIR = $(TESTKDIR)
else
MODBUILD := $(BUILD)/modules/custom
MODKDIR = $(KDIR)
endif

# Sources of the out-of-tree modules, copied into MODBUILD so that each
# kernel gets its own objects and the work tree stays clean.
MODSRC := Kbuild $(wildcard driver mirror uapi)

# Guest test programs: every tests/selftests/*.c and tests/vm/demo/*.c is one
# static binary; tests/selftests/common/*.c and tests/common/*.c (the TAP
# library and buffer helpers shared with the host tests) are linked into each.
PROGS_SRC := $(wildcard tests/selftests/*.c tests/vm/demo/*.c)
PROGS := $(patsubst %.c,$(TESTBIN)/%,$(notdir $(PROGS_SRC)))
COMMON_SRC := $(wildcard tests/selftests/common/*.c tests/common/*.c)
PROG_CFLAGS = -O2 -g -Wall -Wextra -static -pthread -Iuapi -Itests/selftests/common -Itests/common \
	-isystem $(KSFT) -isystem $(TESTKDIR)/usr/include -idirafter $(KSRC)/lib
KSRC = $(eval KSRC := $(shell DEVMIRROR_KERNEL=$(KERNEL) bash -c ". tests/vm/lib.sh && ksrc_dir"))$(KSRC)
# The kselftest harness of our own guest programs is 6.12's on every kernel
# (6.1's lacks __printf and more); the upstream hmm-tests uses its own tree's.
KSFT = $(eval KSFT := $(shell DEVMIRROR_KERNEL=6.12 bash -c \
	". tests/vm/lib.sh && ksrc_dir")/tools/testing/selftests)$(KSFT)

.PHONY: all deps kernel modules selftests check check-unit check-vm check-debug check-kcsan \
	check-matrix run \
	bench bench-mirror clean clean-cache help userlib userlib-guest userlib-check install \
	uninstall

all: modules selftests userlib

# Every target that builds or boots first installs what is missing from the
# one dependency list, tests/install-deps: silent when nothing is missing,
# one line when it installs something. Recipes, sub-makes and the scripts
# they run inherit DEVMIRROR_DEPS=ok and do not look again.
ifeq ($(DEVMIRROR_DEPS),ok)
deps: ;
else
deps:
	@tests/install-deps
endif
export DEVMIRROR_DEPS := ok

help:
	@echo "make run          build everything, boot the test VM, load the modules, run the demo"
	@echo "make check        every test (host unit tests + in-VM suites); ends with 'N passed, N failed'"
	@echo "make check T=X    one test: T=unit, T=SUITE or T=SUITE/TEST (see tests/vm/suites/)"
	@echo "make check-unit   host unit tests only"
	@echo "make check-vm     in-VM suites only"
	@echo "make check-debug  whole suite on the KASAN/kmemleak kernel variant"
	@echo "make check CHECK_VARIANTS='base debug'  the guest suites on both kernels, one summary"
	@echo "make check-kcsan  every guest suite on the KCSAN (data-race detector) kernel"
	@echo "                  (the default when CI=true, as in .ci/run)"
	@echo "make check KERNEL=6.1|7  every test on Linux 6.1 or the newest 7.x (default 6.12)"
	@echo "make check-matrix the guest suites on every kernel ($(KERNELS_ALL)), one summary"
	@echo "make kernel       build (or find in the cache) the test kernel"
	@echo "make modules      out-of-tree modules (KDIR=... for a real kernel)"
	@echo "make selftests    guest test programs and the upstream hmm-tests"
	@echo "make bench        devmirror vs test_hmm vs memcpy/move_pages in one VM boot; report,"
	@echo "                  CSV/JSON and plots in build/bench/<time>/ (BENCH_ARGS='REPS=7 ...')"
	@echo "make bench-mirror mirror-table micro-benchmark (host)"
	@echo "make userlib      libdevmirror and libdevmirror-topo (.so/.a), the devmirror CLI,"
	@echo "                  man pages, examples/ (host)"
	@echo "make install      libdevmirror(-topo), headers, pkg-config and CMake files, CLI, man pages"
	@echo "                  (PREFIX=, DESTDIR=); make uninstall removes them"
	@echo "make clean        remove build/; make clean-cache drops the kernel cache"

kernel: deps
	@tests/vm/build-kernel $(KERNEL_VARIANT)

modules: deps
	@mkdir -p $(MODBUILD)
	@rsync -a --delete --filter='P *.o' --filter='P *.ko' --filter='P .*.cmd' \
		--filter='P *.mod' --filter='P *.mod.c' --filter='P Module.symvers' \
		--filter='P modules.order' $(MODSRC) $(MODBUILD)/
	$(MAKE) -C $(MODKDIR) M=$(MODBUILD) W=1 modules
	@echo "modules: $$(ls $(MODBUILD)/*.ko | tr '\n' ' ')"

selftests: deps $(TESTBIN)/hmm-tests $(TESTBIN)/dm_bench $(PROGS) userlib-guest

$(TESTBIN)/%: tests/selftests/%.c $(COMMON_SRC) $(wildcard tests/selftests/common/*.h tests/common/*.h) $(wildcard uapi/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $< $(COMMON_SRC)

$(TESTBIN)/%: tests/vm/demo/%.c $(COMMON_SRC) $(wildcard uapi/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -o $@ $< $(COMMON_SRC)

# The benchmark's guest program: test_hmm's uAPI header comes from the
# kernel tree (as for the compat front end); libnuma for the move_pages
# baseline.
BENCH_SRC := $(wildcard tests/bench/*.c)
$(TESTBIN)/dm_bench: $(BENCH_SRC) tests/bench/dm_bench.h $(COMMON_SRC) $(wildcard uapi/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(PROG_CFLAGS) -Itests/bench -o $@ $(BENCH_SRC) $(COMMON_SRC) -lnuma -lm

# The peer's own suite, compiled from the unpacked source package at test
# time, never copied into this repository (selftests/vm/ was renamed mm/
# after 6.1). Where it includes a helper of its directory (7.x:
# hugepage_settings.h), it links the helpers the directory's own Makefile
# links into every program ("$(TEST_GEN_FILES): vm_util.c ...").
HMM_TESTS_C = $(firstword $(wildcard $(KSRC)/tools/testing/selftests/mm/hmm-tests.c \
	$(KSRC)/tools/testing/selftests/vm/hmm-tests.c))
HMM_TESTS_HELPERS = $(if $(shell grep '^\#include "[a-z_]*\.h"' $(HMM_TESTS_C) | \
	grep -v kselftest_harness), \
	$(addprefix $(dir $(HMM_TESTS_C)),$(shell sed -n 's/^$$(TEST_GEN_FILES): *//p' \
	$(dir $(HMM_TESTS_C))Makefile)))
$(TESTBIN)/hmm-tests: | deps
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -static -pthread -I$(KSRC) -I$(KSRC)/tools/testing/selftests \
		-isystem $(TESTKDIR)/usr/include \
		-o $@ $(HMM_TESTS_C) $(HMM_TESTS_HELPERS)

# libdevmirror and its CLI (userlib/Makefile): host build, static guest
# programs beside the other guest tests, host tests, install.
USERLIB = $(MAKE) -C userlib O=$(BUILD)/userlib

userlib: deps
	@$(USERLIB)

userlib-guest: deps
	@$(USERLIB) guest GUEST_OUT=$(TESTBIN) KSFT_INC=$(KSFT)

userlib-check: deps
	@$(USERLIB) check

# A relative DESTDIR is relative to where make runs, not to userlib/.
USERLIB_DESTDIR = $(if $(DESTDIR),DESTDIR=$(abspath $(DESTDIR)))

install: deps
	@$(USERLIB) install $(USERLIB_DESTDIR)

uninstall: deps
	@$(USERLIB) uninstall $(USERLIB_DESTDIR)

# make check runs the guest suites on each of CHECK_VARIANTS of KERNEL in
# turn and prints one summary line for all. In CI (CI=true, as .ci/run sets)
# it runs CHECK_RUNS instead, KERNEL:VARIANT pairs: the base kernel of all
# three kernels and the debug kernel of the default one (docs/testing.md,
# "CI").
# On 6.1 and 7.x CI runs the suites that exercise what differs between the
# kernels (every wrapper of devmirror_compat.h, hmm-tests against the peer,
# device THP and two-pass invalidation where the kernel has them);
# make check-matrix runs every suite on all three.
CI_KERNEL_SUITES := module-load compat-hmm-tests peer-test_hmm devmirror-access \
	devmirror-uapi devmirror-devmem devmirror-exclusive devmirror-migrate \
	devmirror-invalidate devmirror-compat devmirror-coherent devmirror-multi \
	stress-inject
comma := ,
CI_KSUITES := $(subst $() $(),$(comma),$(strip $(CI_KERNEL_SUITES)))
# On the debug kernel CI runs every suite but the benchmark's smoke run: it
# checks the benchmark itself, which the base kernel's run does, and its
# paths are the functional suites' own (make check-debug still runs it).
CI_DEBUG_SUITES := $(filter-out bench-smoke,$(basename $(notdir $(wildcard tests/vm/suites/*.sh))))
CI_DSUITES := $(subst $() $(),$(comma),$(strip $(CI_DEBUG_SUITES)))
ifeq ($(CI),true)
CHECK_VARIANTS ?= base debug
CHECK_RUNS ?= 6.12:base 6.12:debug:$(CI_DSUITES) 6.1:base:$(CI_KSUITES) 7:base:$(CI_KSUITES)
else
CHECK_VARIANTS ?= $(KERNEL_VARIANT)
CHECK_RUNS ?=
endif

# Guest runs at once when make check or check-matrix runs several. Two
# share a two-core host well (a TCG guest keeps about one core busy) and
# keep warm CI under 25 minutes (docs/testing.md, "CI"); an explicit
# migration waits for pages that others hold for a moment, which under
# that load they do more often.
CHECK_JOBS ?= 2
export CHECK_JOBS

check: deps
	@tests/check $(if $(strip $(CHECK_RUNS)),-R "$(CHECK_RUNS)",-K "$(KERNEL)" -k "$(CHECK_VARIANTS)") $(T)

# The host tests once, then the guest suites on each kernel in turn.
check-matrix: deps
	@tests/check -K "$(KERNELS_ALL)" -k "$(CHECK_VARIANTS)" $(T)

check-unit: deps
	@tests/check -k $(KERNEL_VARIANT) unit

check-vm: deps
	@tests/check -K "$(KERNEL)" -k "$(CHECK_VARIANTS)" --no-unit $(T)

check-debug: deps
	@tests/check -K "$(KERNEL)" -k debug $(T)

# The data-race detector (tests/vm/kernel-kcsan.config): every guest suite,
# on demand; a KCSAN report in devmirror code fails, one in core kernel code
# must be listed with its call sites in tests/vm/kcsan-known.
check-kcsan: deps
	@tests/check -K "$(KERNEL)" -k kcsan --no-unit $(T)

run: deps modules selftests
	@$(VMRUN) -k $(KERNEL_VARIANT) -m $(MODBUILD) -p $(TESTBIN) -v demo

# The bench kernel variant drops lockdep and DEBUG_VM (tests/vm/kernel-bench.config).
bench: deps
	@$(MAKE) --no-print-directory modules KERNEL_VARIANT=bench
	@$(MAKE) --no-print-directory selftests KERNEL_VARIANT=bench
	@tests/bench/run $(BENCH_ARGS)

bench-mirror: deps
	@$(MAKE) -C tests/unit bench

clean:
	rm -rf $(BUILD)
	@if [ -f tests/unit/Makefile ]; then $(MAKE) -C tests/unit clean; fi

clean-cache:
	rm -rf $${DEVMIRROR_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/devmirror}
