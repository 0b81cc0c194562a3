// SPDX-License-Identifier: GPL-2.0
/*
 * test_lib - host tests of libdevmirror without the driver: argument
 * validation, "no device" errors, and every call marshalled through a fake
 * render node (fakedev.c) that checks arguments as the driver does. Also
 * the hwloc and libnuma helpers on the host's own topology.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libdevmirror.h"
#include "devmirror_drm.h"
#include "libdevmirror_topo.h"
#include "fakedev.h"
#include "tap.h"

#define FAKE_PATH "/dev/null"
#define PAGE 4096UL

static struct devmir_dev *open_fake(void)
{
	struct devmir_dev *dev = NULL;

	fakedev_reset();
	if (devmir_open_path(FAKE_PATH, &dev))
		return NULL;
	return dev;
}

static void test_version_and_messages(void)
{
	bool ok;
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", DEVMIR_VERSION_MAJOR,
		 DEVMIR_VERSION_MINOR, DEVMIR_VERSION_PATCH);
	ok = !strcmp(devmir_version(), want);
	tap_check(ok, "version_matches_header", "library %s, header %s",
		  devmir_version(), want);
	ok = strstr(devmir_strerror(-ENODEV), "devmirror") &&
	     !strcmp(devmir_strerror(-ENODEV), devmir_strerror(ENODEV));
	tap_check(ok, "strerror_enodev_names_devmirror", "got '%s'",
		  devmir_strerror(-ENODEV));
	ok = devmir_strerror(-ENOMEM) && devmir_strerror(-99999) &&
	     strcmp(devmir_strerror(-EINVAL), devmir_strerror(-ENOMEM));
	tap_check(ok, "strerror_any_errno_has_text", NULL);
}

static void test_no_device(void)
{
	bool ok;
	struct devmir_enum_entry list[4];
	struct devmir_dev *dev = (struct devmir_dev *)0x1;
	int n = devmir_enumerate(list, 4, sizeof(list[0]));

	if (n > 0) {
		tap_skip("nodev_open_enodev", "a devmirror device is present");
		tap_skip("nodev_enumerate_zero",
			 "a devmirror device is present");
		return;
	}
	ok = devmir_open(0, &dev) == -ENODEV &&
	     dev == (struct devmir_dev *)0x1 && *devmir_last_error();
	tap_check(ok, "nodev_open_enodev", "last error '%s'",
		  devmir_last_error());
	ok = n == 0 && devmir_enumerate(NULL, 0, 0) == 0;
	tap_check(ok, "nodev_enumerate_zero", "enumerate %d", n);
}

static void test_open_errors(void)
{
	bool ok;
	char longpath[DEVMIR_PATH_MAX + 8], tmp[] = "/tmp/devmir-test-XXXXXX";
	struct devmir_dev *dev = NULL;
	int fd;

	ok = devmir_open_path(NULL, &dev) == -EINVAL &&
	     devmir_open_path(FAKE_PATH, NULL) == -EINVAL &&
	     devmir_open(0, NULL) == -EINVAL &&
	     devmir_enumerate(NULL, 3, sizeof(struct devmir_enum_entry)) ==
		     -EINVAL;
	tap_check(ok, "open_null_arguments_einval", NULL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ok = devmir_open_path(longpath, &dev) == -EINVAL;
	tap_check(ok, "open_long_path_einval", NULL);
	ok = devmir_open_path("/nonexistent/renderD999", &dev) == -ENOENT &&
	     strstr(devmir_last_error(), "renderD999");
	tap_check(ok, "open_missing_path_enoent", "last error '%s'",
		  devmir_last_error());
	fd = mkstemp(tmp);
	ok = fd >= 0 && devmir_open_path(tmp, &dev) == -ENODEV &&
	     strstr(devmir_last_error(), "not a DRM device");
	tap_check(ok, "open_regular_file_enodev", "last error '%s'",
		  devmir_last_error());
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	devmir_close(NULL);
}

static void test_fake_identity(void)
{
	bool ok;
	struct devmir_dev *dev = NULL;
	int ret, node = 5;

	setenv("FAKEDEV_NAME", "i915", 1);
	fakedev_reset();
	ret = devmir_open_path(FAKE_PATH, &dev);
	ok = ret == -ENODEV && strstr(devmir_last_error(), "i915");
	tap_check(ok, "open_other_driver_enodev", "ret %d, '%s'", ret,
		  devmir_last_error());
	unsetenv("FAKEDEV_NAME");

	setenv("FAKEDEV_ABI", "4", 1);
	fakedev_reset();
	ret = devmir_open_path(FAKE_PATH, &dev);
	ok = ret == -ENODEV && strstr(devmir_last_error(), "ABI 4");
	tap_check(ok, "open_abi_mismatch_enodev", "ret %d, '%s'", ret,
		  devmir_last_error());
	unsetenv("FAKEDEV_ABI");

	setenv("FAKEDEV_INDEX", "3", 1);
	dev = open_fake();
	unsetenv("FAKEDEV_INDEX");
	ok = dev && devmir_index(dev) == 3 && devmir_fd(dev) >= 0 &&
	     !strcmp(devmir_path(dev), FAKE_PATH);
	tap_check(ok, "open_path_fake_device", "%s", devmir_last_error());
	ok = dev && !devmir_device_numa_node(dev, &node) && node == -1;
	tap_check(ok, "numa_node_virtual_device_none", "node %d", node);
	devmir_close(dev);
}

static void test_fake_info(void)
{
	struct devmir_dev *dev = open_fake();
	struct devmir_info info = DEVMIR_INIT(info);
	bool ok;

	if (!dev) {
		tap_check(false, "info_decoded", "open: %s",
			  devmir_last_error());
		return;
	}
	memset(&info, 0xff, sizeof(info));
	info.struct_size = sizeof(info);
	ok = !devmir_get_info(dev, &info) && info.abi_version == 3 &&
	     info.index == 0 && info.asid == FAKEDEV_ASID && info.levels == 4 &&
	     info.leaf_levels == 7 && info.va_bits == 48 &&
	     info.level_shift[0] == 12 && info.level_shift[3] == 39 &&
	     info.level_bits[2] == 9 && info.level_shift[4] == 0 &&
	     info.page_sizes == ((1ULL << 12) | (1ULL << 21) | (1ULL << 30)) &&
	     info.tlb_entries == FAKEDEV_TLB_ENTRIES &&
	     info.tlb_ways == FAKEDEV_TLB_WAYS &&
	     info.fault_queue_entries == FAKEDEV_FQ_ENTRIES &&
	     info.engines == FAKEDEV_ENGINES &&
	     info.txn_bytes == FAKEDEV_TXN_BYTES &&
	     info.device_memory == FAKEDEV_DEVMEM && info.window_min == 4096 &&
	     info.window_max == (2 << 20);
	tap_check(ok, "info_decoded", NULL);
	ok = devmir_get_info(dev, NULL) == -EINVAL &&
	     devmir_get_info(NULL, &info) == -EINVAL;
	tap_check(ok, "info_null_einval", NULL);
	devmir_close(dev);
}

/*
 * Sized structures: a caller's struct_size decides what the library reads
 * and writes, checked before any ioctl.
 */
static void test_struct_size(void)
{
	struct devmir_dev *dev = open_fake();
	/* A caller compiled against a later header: 16 bytes more. */
	struct {
		struct devmir_info info;
		unsigned char newer[16];
	} big;
	struct {
		struct devmir_access acc;
		unsigned char newer[16];
	} bigacc;
	struct {
		struct devmir_policy pol;
		unsigned char newer[8];
	} bigpol;
	struct devmir_info info = { 0 };
	struct devmir_policy pol = { 0 };
	struct devmir_migrate_report res = { 0 };
	struct devmir_page pages[2];
	struct devmir_enum_entry list[2];
	uint64_t word = 0;
	unsigned int calls, i;
	bool ok;

	ok = devmir_version_number() == DEVMIR_VERSION &&
	     DEVMIR_VERSION == DEVMIR_VERSION_NUM(DEVMIR_VERSION_MAJOR,
						  DEVMIR_VERSION_MINOR,
						  DEVMIR_VERSION_PATCH) &&
	     DEVMIR_VERSION_NUM(3, 0, 0) < DEVMIR_VERSION_NUM(3, 1, 0) &&
	     DEVMIR_VERSION_NUM(2, 9, 9) < DEVMIR_VERSION_NUM(3, 0, 0);
	tap_check(ok, "version_number_matches_macros", "%#x vs %#x",
		  devmir_version_number(), DEVMIR_VERSION);
	if (!dev) {
		tap_check(false, "struct_size_checked", "no fake device");
		return;
	}
	calls = fakedev.calls;
	/* struct_size 0 (not initialised) is refused before any ioctl. */
	ok = devmir_get_info(dev, &info) == -EINVAL &&
	     devmir_get_policy(dev, &pol) == -EINVAL &&
	     devmir_set_policy(dev, DEVMIR_POLICY_BATCH, &pol) == -EINVAL &&
	     devmir_migrate_range(dev, (void *)0x10000, 4096,
				  DEVMIR_MIGDIR_TO_DEVICE, 0, &res) == -EINVAL;
	/* Shorter than the 3.0 structure (which ends at window_max). */
	info.struct_size = offsetof(struct devmir_info, memory_kind) - 4;
	ok &= devmir_get_info(dev, &info) == -EINVAL;
	info.struct_size = 1 << 20;
	ok &= devmir_get_info(dev, &info) == -EINVAL;
	ok &= devmir_snapshot(dev, (void *)0x10000, 2, pages, 4, NULL) ==
	      -EINVAL;
	ok &= devmir_enumerate(list, 2, 4) == -EINVAL;
	tap_check(ok && fakedev.calls == calls, "struct_size_checked",
		  "%u ioctls", fakedev.calls - calls);

	/* A larger caller gets what this library knows and zeroes beyond. */
	memset(&big, 0xa5, sizeof(big));
	big.info.struct_size = sizeof(big);
	ok = !devmir_get_info(dev, &big.info) && big.info.levels == 4 &&
	     big.info.struct_size == sizeof(big);
	for (i = 0; i < sizeof(big.newer); i++)
		ok &= !big.newer[i];
	tap_check(ok, "struct_size_larger_zeroed", NULL);

	/* A caller built against 3.0: no memory_kind, nothing written there. */
	memset(&big, 0xa5, sizeof(big));
	big.info.struct_size = offsetof(struct devmir_info, memory_kind);
	ok = !devmir_get_info(dev, &big.info) && big.info.levels == 4 &&
	     big.info.memory_kind == 0xa5a5a5a5U;
	tap_check(ok, "struct_size_3_0_caller", NULL);
	ok = !strcmp(devmir_mem_kind_name(DEVMIR_MEM_PRIVATE), "private") &&
	     !strcmp(devmir_mem_kind_name(DEVMIR_MEM_COHERENT), "coherent") &&
	     !strcmp(devmir_mem_kind_name((enum devmir_mem_kind)7), "invalid");
	tap_check(ok, "mem_kind_names", NULL);

	/* ... and must leave members this library does not know unset. */
	memset(&bigacc, 0, sizeof(bigacc));
	bigacc.acc.struct_size = sizeof(bigacc);
	bigacc.acc.op = DEVMIR_OP_ATOMIC_ADD;
	bigacc.acc.addr = &word;
	bigacc.acc.size = 8;
	bigacc.acc.operand = 5;
	ok = !devmir_access(dev, &bigacc.acc) && word == 5;
	bigacc.newer[3] = 1;
	ok &= devmir_access(dev, &bigacc.acc) == -E2BIG && word == 5;
	memset(&bigpol, 0, sizeof(bigpol));
	bigpol.pol.struct_size = sizeof(bigpol);
	bigpol.pol.fault_batch = 8;
	ok &= !devmir_set_policy(dev, DEVMIR_POLICY_BATCH, &bigpol.pol);
	bigpol.newer[0] = 1;
	ok &= devmir_set_policy(dev, DEVMIR_POLICY_BATCH, &bigpol.pol) ==
	      -E2BIG;
	tap_check(ok, "struct_size_unknown_member_e2big", "word %llu",
		  (unsigned long long)word);
	devmir_close(dev);
}

static void test_fake_retry(void)
{
	bool ok;
	struct devmir_dev *dev = open_fake();
	struct devmir_info info = DEVMIR_INIT(info);
	unsigned int calls;
	int ret;

	if (!dev) {
		tap_check(false, "ioctl_retries_eintr_eagain",
			  "no fake device");
		return;
	}
	fakedev.eintr = 3;
	fakedev.eagain = 2;
	calls = fakedev.calls;
	ret = devmir_get_info(dev, &info);
	ok = !ret && fakedev.calls - calls == 6 && info.levels == 4;
	tap_check(ok, "ioctl_retries_eintr_eagain", "ret %d after %u calls",
		  ret, fakedev.calls - calls);

	fakedev.fail_errno = EIO;
	calls = fakedev.calls;
	ret = devmir_get_info(dev, &info);
	ok = ret == -EIO && fakedev.calls - calls == 1;
	tap_check(ok, "ioctl_other_errors_not_retried", "ret %d after %u calls",
		  ret, fakedev.calls - calls);
	fakedev.fail_errno = 0;
	devmir_close(dev);
}

/* Every bad access is refused by the library, before any ioctl. */
static void test_access_validation(void)
{
	struct devmir_dev *dev = open_fake();
	uint64_t word[2] = { 0 }, faults;
	char buf[64];
	struct devmir_access acc = DEVMIR_INIT(acc);
	unsigned int calls;
	bool ok = true;

	if (!dev) {
		tap_check(false, "access_bad_arguments_einval",
			  "no fake device");
		return;
	}
	calls = fakedev.calls;
	ok &= devmir_read(dev, buf, buf, 0, &faults) == -EINVAL;
	ok &= devmir_read(dev, buf, NULL, 8, &faults) == -EINVAL;
	ok &= devmir_write(dev, buf, NULL, 8, &faults) == -EINVAL;
	ok &= devmir_read(dev, (void *)(UINTPTR_MAX - 4), buf, 8, NULL) ==
	      -EINVAL;
	ok &= devmir_atomic_add(dev, (uint64_t *)((char *)word + 4), 1, NULL) ==
	      -EINVAL;
	ok &= devmir_access(NULL, &acc) == -EINVAL;
	ok &= devmir_access(dev, NULL) == -EINVAL;
	memset(&acc, 0, sizeof(acc));
	acc.struct_size = sizeof(acc);
	acc.op = DEVMIR_OP_READ;
	acc.addr = buf;
	acc.buffer = buf;
	acc.size = 8;
	acc.engine = FAKEDEV_ENGINES;
	ok &= devmir_access(dev, &acc) == -EINVAL;
	acc.engine = 0;
	acc.flags = 0x80;
	ok &= devmir_access(dev, &acc) == -EINVAL;
	acc.flags = 0;
	acc.op = (enum devmir_op)17;
	ok &= devmir_access(dev, &acc) == -EINVAL;
	acc.op = DEVMIR_OP_ATOMIC_CMPXCHG;
	ok &= devmir_access(dev, &acc) == -EINVAL; /* buffer set */
	ok = ok && fakedev.calls == calls;
	tap_check(ok, "access_bad_arguments_einval",
		  "ok %d, %u ioctls reached the device", ok,
		  fakedev.calls - calls);

	/* A good access on engine 1 gets through. */
	acc.op = DEVMIR_OP_READ;
	acc.engine = 1;
	ok = !devmir_access(dev, &acc) && acc.faults == 1;
	tap_check(ok, "access_engine_1_accepted", "faults %llu",
		  (unsigned long long)acc.faults);
	devmir_close(dev);
}

static void test_access_data(void)
{
	bool ok;
	size_t size = DEVMIR_ACCESS_MAX + 2 * PAGE, i;
	struct devmir_dev *dev = open_fake();
	uint8_t *src, *dst;
	uint64_t faults = 0, word = 40, old = 0;
	bool same;
	int ret;

	src = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!dev || src == MAP_FAILED || dst == MAP_FAILED) {
		tap_check(false, "access_read_split_at_max", "setup failed");
		return;
	}
	for (i = 0; i < size; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 12));
	ret = devmir_read(dev, src, dst, size, &faults);
	same = !memcmp(src, dst, size);
	ok = !ret && same && fakedev.access_calls == 2 &&
	     fakedev.access_size[0] == DEVMIR_ACCESS_MAX &&
	     fakedev.access_size[1] == 2 * PAGE && faults == size / PAGE;
	tap_check(ok, "access_read_split_at_max",
		  "ret %d same %d calls %u sizes %llu %llu faults %llu", ret,
		  same, fakedev.access_calls,
		  (unsigned long long)fakedev.access_size[0],
		  (unsigned long long)fakedev.access_size[1],
		  (unsigned long long)faults);

	memset(dst, 0, 3 * PAGE);
	ret = devmir_write(dev, dst + 1, src + 5, 3 * PAGE - 2, &faults);
	same = dst[0] == 0 && !memcmp(dst + 1, src + 5, 3 * PAGE - 2) &&
	       dst[3 * PAGE - 1] == 0;
	ok = !ret && same && faults == 3;
	tap_check(ok, "access_write_byte_exact", "ret %d same %d faults %llu",
		  ret, same, (unsigned long long)faults);

	ret = devmir_atomic_add(dev, &word, 2, &old);
	ok = !ret && old == 40 && word == 42;
	tap_check(ok, "access_atomic_add", "ret %d old %llu word %llu", ret,
		  (unsigned long long)old, (unsigned long long)word);
	ret = devmir_atomic_cmpxchg(dev, &word, 41, 7, &old);
	ok = !ret && old == 42 && word == 42;
	tap_check(ok, "access_cmpxchg_mismatch_keeps",
		  "ret %d old %llu word %llu", ret, (unsigned long long)old,
		  (unsigned long long)word);
	ret = devmir_atomic_cmpxchg(dev, &word, 42, 7, &old);
	ok = !ret && old == 42 && word == 7;
	tap_check(ok, "access_cmpxchg_match_swaps", "ret %d old %llu word %llu",
		  ret, (unsigned long long)old, (unsigned long long)word);
	munmap(src, size);
	munmap(dst, size);
	devmir_close(dev);
}

static void test_policy(void)
{
	unsigned int fields;
	struct devmir_dev *dev = open_fake();
	struct devmir_policy pol = { .struct_size = sizeof(pol),
				     .fault_batch = 8,
				     .fault_window = 65536 };
	unsigned int calls;
	bool ok;

	if (!dev) {
		tap_check(false, "policy_round_trip", "no fake device");
		return;
	}
	ok = !devmir_set_policy(dev, DEVMIR_POLICY_WINDOW, &pol) &&
	     fakedev.policy_flags == DEVMIR_POLICY_WINDOW &&
	     fakedev.fault_batch == 16 && !devmir_get_policy(dev, &pol) &&
	     pol.fault_window == 65536 && pol.fault_batch == 16;
	pol.fault_batch = 8;
	ok &= !devmir_set_policy(dev, DEVMIR_POLICY_BATCH, &pol) &&
	      !devmir_get_policy(dev, &pol) && pol.fault_batch == 8 &&
	      pol.fault_window == 65536;
	tap_check(ok, "policy_round_trip", NULL);

	pol.migrate_mode = DEVMIR_MIGMODE_THRESHOLD;
	pol.migrate_threshold = 4;
	pol.ram_window = 1 << 20;
	fields = DEVMIR_POLICY_MIGRATE | DEVMIR_POLICY_RAM_WINDOW;
	ok = !devmir_set_policy(dev, fields, &pol) &&
	     fakedev.policy_flags == fields && !devmir_get_policy(dev, &pol) &&
	     pol.migrate_mode == DEVMIR_MIGMODE_THRESHOLD &&
	     pol.migrate_threshold == 4 && pol.ram_window == (1 << 20) &&
	     pol.fault_batch == 8;
	pol.migrate_mode = DEVMIR_MIGMODE_FIRST_FAULT; /* threshold must be 0 */
	ok &= devmir_set_policy(dev, DEVMIR_POLICY_MIGRATE, &pol) == -EINVAL;
	tap_check(ok, "policy_migration_fields", NULL);

	/* 3.1: the thrashing members; a 3.0-sized caller cannot set them. */
	ok = !devmir_get_policy(dev, &pol) && pol.thrash_rounds == 3 &&
	     pol.thrash_hold_ms == 200;
	pol.thrash_rounds = 5;
	pol.thrash_hold_ms = 1000;
	ok &= !devmir_set_policy(dev, DEVMIR_POLICY_THRASH, &pol) &&
	      fakedev.policy_flags == DEVMIR_POLICY_THRASH &&
	      !devmir_get_policy(dev, &pol) && pol.thrash_rounds == 5 &&
	      pol.thrash_hold_ms == 1000 && pol.fault_batch == 8;
	pol.thrash_rounds = 65;
	ok &= devmir_set_policy(dev, DEVMIR_POLICY_THRASH, &pol) == -EINVAL;
	pol.thrash_rounds = 5;
	calls = fakedev.calls;
	pol.struct_size = offsetof(struct devmir_policy, thrash_rounds);
	ok &= devmir_set_policy(dev, DEVMIR_POLICY_THRASH, &pol) == -EINVAL &&
	      fakedev.calls == calls &&
	      !devmir_set_policy(dev, DEVMIR_POLICY_BATCH, &pol);
	pol.struct_size = sizeof(pol);
	tap_check(ok, "policy_thrashing_fields", NULL);

	calls = fakedev.calls;
	ok = devmir_set_policy(dev, 0, &pol) == -EINVAL &&
	     devmir_set_policy(dev, 32, &pol) == -EINVAL &&
	     devmir_set_policy(dev, DEVMIR_POLICY_BATCH, NULL) == -EINVAL &&
	     devmir_get_policy(dev, NULL) == -EINVAL && fakedev.calls == calls;
	pol.fault_window = 3000;
	ok &= devmir_set_policy(dev, DEVMIR_POLICY_WINDOW, &pol) == -EINVAL;
	tap_check(ok, "policy_bad_arguments_einval", NULL);
	devmir_close(dev);
}

/* devmir_advise(), devmir_unadvise(), devmir_advise_query() on the fake. */
static void test_advise(void)
{
	struct devmir_advice adv = { .struct_size = sizeof(adv) };
	struct devmir_advice_range r[4];
	struct devmir_dev *dev = open_fake();
	char *base = (char *)(uintptr_t)0x7f0000000000ULL;
	unsigned int calls;
	size_t count = 99;
	bool ok;

	if (!dev) {
		tap_check(false, "advise_round_trip", "no fake device");
		return;
	}
	adv.fields = DEVMIR_ADVISE_PREFERRED | DEVMIR_ADVISE_GRANULARITY |
		     DEVMIR_ADVISE_THRASH;
	adv.preferred = DEVMIR_PREFER_DEVICE;
	adv.granularity = 65536;
	adv.thrash_rounds = 4;
	adv.thrash_hold_ms = 50;
	ok = !devmir_advise(dev, base, 65536, &adv) &&
	     fakedev.advise_calls == 1 && fakedev.advise_flags == 0 &&
	     fakedev.advice[0].mask == adv.fields &&
	     fakedev.advice[0].preferred_loc == DRM_DEVMIR_LOC_DEVICE;
	memset(&adv, 0, sizeof(adv));
	adv.struct_size = sizeof(adv);
	adv.fields = DEVMIR_ADVISE_ACCESSED_BY | DEVMIR_ADVISE_FAULT_WINDOW;
	adv.accessed_by = 1;
	adv.fault_window = 16384;
	ok &= !devmir_advise(dev, base + 65536, 4096, &adv);
	memset(r, 0xff, sizeof(r));
	ok &= !devmir_advise_query(dev, base, 1 << 20, r, 4, sizeof(r[0]), &count) &&
	      count == 2 && r[0].addr == (uintptr_t)base && r[0].size == 65536 &&
	      r[0].fields == (DEVMIR_ADVISE_PREFERRED | DEVMIR_ADVISE_GRANULARITY |
			      DEVMIR_ADVISE_THRASH) &&
	      r[0].preferred == DEVMIR_PREFER_DEVICE && r[0].granularity == 65536 &&
	      r[0].thrash_rounds == 4 && r[0].thrash_hold_ms == 50 &&
	      r[0].fault_window == 0 && r[0].accessed_by == 0 && r[0].pad == 0 &&
	      r[1].accessed_by == 1 && r[1].fault_window == 16384 &&
	      r[1].addr == (uintptr_t)base + 65536;
	/* Count only, and fewer slots than ranges. */
	ok &= !devmir_advise_query(dev, base, 1 << 20, NULL, 0, sizeof(r[0]), &count) &&
	      count == 2 &&
	      !devmir_advise_query(dev, base, 1 << 20, r, 1, sizeof(r[0]), &count) &&
	      count == 2;
	tap_check(ok, "advise_round_trip", NULL);

	ok = !devmir_unadvise(dev, base, 1 << 20, DEVMIR_ADVISE_ALL) &&
	     fakedev.advise_flags == DRM_DEVMIR_ADVISE_CLEAR &&
	     !devmir_advise_query(dev, base, 1 << 20, r, 4, sizeof(r[0]), &count) &&
	     count == 0;
	tap_check(ok, "advise_clear", NULL);

	calls = fakedev.calls;
	ok = devmir_advise(dev, base + 1, 4096, &adv) == -EINVAL &&
	     devmir_advise(dev, base, 4095, &adv) == -EINVAL &&
	     devmir_advise(dev, base, 0, &adv) == -EINVAL &&
	     devmir_advise(dev, base, 4096, NULL) == -EINVAL &&
	     devmir_advise(NULL, base, 4096, &adv) == -EINVAL &&
	     devmir_unadvise(dev, base, 4096, 0) == -EINVAL &&
	     devmir_unadvise(dev, base, 4096, 0x20) == -EINVAL &&
	     devmir_advise_query(dev, base, 4096, r, 4, sizeof(r[0]), NULL) == -EINVAL &&
	     devmir_advise_query(dev, base, 4096, NULL, 4, sizeof(r[0]), &count) == -EINVAL &&
	     devmir_advise_query(dev, base, 4096, r, 4, 8, &count) == -EINVAL &&
	     fakedev.calls == calls;
	adv.fields = 0x40;
	ok &= devmir_advise(dev, base, 4096, &adv) == -EINVAL;
	adv.fields = DEVMIR_ADVISE_FAULT_WINDOW;
	adv.accessed_by = 0;
	adv.fault_window = 3000;
	ok &= devmir_advise(dev, base, 4096, &adv) == -EINVAL;	/* the device's */
	adv.fault_window = 4096;
	adv.struct_size = 0;
	ok &= devmir_advise(dev, base, 4096, &adv) == -EINVAL;
	tap_check(ok, "advise_bad_arguments_einval", NULL);
	devmir_close(dev);

	/* An ABI 2 device opens, but has no range attributes. */
	setenv("FAKEDEV_ABI", "2", 1);
	fakedev_reset();
	dev = open_fake();
	adv.struct_size = sizeof(adv);
	ok = dev && devmir_advise(dev, base, 4096, &adv) == -EOPNOTSUPP &&
	     devmir_advise_query(dev, base, 4096, r, 4, sizeof(r[0]), &count) ==
		     -EOPNOTSUPP;
	tap_check(ok, "advise_abi2_eopnotsupp", NULL);
	devmir_close(dev);
	unsetenv("FAKEDEV_ABI");
	fakedev_reset();
}

static void test_snapshot(void)
{
	size_t n = 2 * 65536 + 5, mapped = 0, i, want_mapped = 0;
	struct devmir_dev *dev = open_fake();
	struct devmir_page *pages;
	uintptr_t base = 0x40000000;
	bool ok = true;
	int ret;

	pages = calloc(n, sizeof(*pages));
	if (!dev || !pages) {
		tap_check(false, "snapshot_decodes_every_state",
			  "setup failed");
		return;
	}
	ret = devmir_snapshot(dev, (void *)base, 8, pages, sizeof(pages[0]),
			      &mapped);
	ok = !ret && mapped == 6 && pages[0].state == DEVMIR_PAGE_UNMAPPED &&
	     pages[0].leaf_size == 0 &&
	     pages[1].state == DEVMIR_PAGE_READ_ONLY && !pages[1].writable &&
	     pages[1].leaf_size == 4096 && pages[1].level == 0 &&
	     pages[2].state == DEVMIR_PAGE_READ_WRITE && pages[2].writable &&
	     pages[3].state == DEVMIR_PAGE_DEVICE && pages[3].writable &&
	     pages[4].state == DEVMIR_PAGE_REMOTE && !pages[4].writable &&
	     pages[4].leaf_size == 0 &&
	     pages[5].state == DEVMIR_PAGE_READ_WRITE && pages[5].exclusive &&
	     !pages[2].exclusive && pages[6].level == 1 &&
	     pages[6].leaf_size == (2UL << 20) &&
	     pages[7].state == DEVMIR_PAGE_READ_ONLY && pages[7].level == 2 &&
	     pages[7].leaf_size == (1UL << 30);
	tap_check(ok, "snapshot_decodes_every_state", "ret %d mapped %zu", ret,
		  mapped);
	ok = !strcmp(devmir_page_state_name(DEVMIR_PAGE_DEVICE), "device") &&
	     !strcmp(devmir_page_state_name(DEVMIR_PAGE_UNMAPPED),
		     "unmapped") &&
	     !strcmp(devmir_page_state_name((enum devmir_page_state)99),
		     "invalid");
	tap_check(ok, "snapshot_state_names", NULL);

	fakedev_reset();
	ret = devmir_snapshot(dev, (void *)base, n, pages, sizeof(pages[0]),
			      &mapped);
	ok = !ret;
	for (i = 0; ok && i < n; i++) {
		uint8_t byte = fakedev_snap_byte((base >> 12) + i);
		bool none = byte == 0;

		want_mapped += !!(byte & DRM_DEVMIR_SNAP_READ);
		ok &= none == (pages[i].state == DEVMIR_PAGE_UNMAPPED);
	}
	ok &= fakedev.snap_calls == 3 && fakedev.snap_addr[0] == base &&
	      fakedev.snap_addr[1] == base + 65536 * PAGE &&
	      fakedev.snap_addr[2] == base + 2 * 65536 * PAGE &&
	      fakedev.snap_npages[2] == 5 && mapped == want_mapped;
	tap_check(ok, "snapshot_split_into_chunks",
		  "ret %d calls %u mapped %zu/%zu", ret, fakedev.snap_calls,
		  mapped, want_mapped);

	fakedev.snap_bad = DRM_DEVMIR_SNAP_WRITE;
	ret = devmir_snapshot(dev, (void *)base, 4, pages, sizeof(pages[0]),
			      NULL);
	ok = ret == -EPROTO;
	fakedev.snap_bad = DRM_DEVMIR_SNAP_READ |
			   (3 << DRM_DEVMIR_SNAP_LEVEL_SHIFT);
	ok &= devmir_snapshot(dev, (void *)base, 4, pages, sizeof(pages[0]),
			      NULL) == -EPROTO;
	fakedev.snap_bad = DRM_DEVMIR_SNAP_READ | DRM_DEVMIR_SNAP_DEV_LOCAL |
			   DRM_DEVMIR_SNAP_DEV_REMOTE;
	ok &= devmir_snapshot(dev, (void *)base, 4, pages, sizeof(pages[0]),
			      NULL) == -EPROTO;
	fakedev.snap_bad = 0;
	tap_check(ok, "snapshot_undecodable_eproto", "first ret %d", ret);

	ok = devmir_snapshot(dev, (void *)(base + 1), 4, pages,
			     sizeof(pages[0]), NULL) == -EINVAL &&
	     devmir_snapshot(dev, (void *)base, 0, pages, sizeof(pages[0]),
			     NULL) == -EINVAL &&
	     devmir_snapshot(dev, (void *)base, 4, NULL,
			     sizeof(struct devmir_page), NULL) == -EINVAL &&
	     devmir_snapshot(dev, (void *)(UINTPTR_MAX & ~4095UL), 4, pages,
			     sizeof(pages[0]), NULL) == -EINVAL;
	tap_check(ok, "snapshot_bad_arguments_einval", NULL);
	free(pages);
	devmir_close(dev);
}

static void test_stats(void)
{
	uint64_t st[FAKEDEV_NSTATS], st2[FAKEDEV_NSTATS], d[FAKEDEV_NSTATS];
	const struct devmir_stat_field *f;
	struct devmir_dev *dev = open_fake();
	unsigned int n = 0, i;
	bool ok = true;

	if (!dev) {
		tap_check(false, "stats_fields_from_the_device", "no fake device");
		return;
	}
	/* The device describes its statistics; the library passes them on. */
	ok = !devmir_stat_fields(dev, &f, &n) && n == FAKEDEV_NSTATS;
	for (i = 0; ok && i < n; i++)
		ok &= !strcmp(f[i].name, fakedev_stat_desc[i].name) &&
		      f[i].counter == !fakedev_stat_desc[i].gauge &&
		      f[i].driver == !!fakedev_stat_desc[i].driver &&
		      f[i].description != NULL;
	tap_check(ok, "stats_fields_from_the_device", "%u fields", n);
	ok = devmir_stat_find(dev, "tlb_misses") == 12 &&
	     devmir_stat_find(dev, "fake_widgets") == 15 &&
	     !*f[15].description && *f[0].description &&
	     devmir_stat_find(dev, "no_such_stat") == -ENOENT &&
	     devmir_stat_find(dev, NULL) == -EINVAL &&
	     devmir_stat_find(NULL, "faults") == -EINVAL &&
	     devmir_stat_fields(NULL, &f, &n) == -EINVAL;
	tap_check(ok, "stats_find_by_name", NULL);

	ok = !devmir_stat_read(dev, DEVMIR_STATS_MIRROR, st, n) &&
	     fakedev.stats_flags == 0;
	for (i = 0; i < n; i++)
		ok &= st[i] == FAKEDEV_STAT(i, 0);
	ok &= devmir_stat_value(dev, st, "faults") == FAKEDEV_STAT(0, 0) &&
	      devmir_stat_value(dev, st, "mirrors") == FAKEDEV_STAT(5, 0) &&
	      devmir_stat_value(dev, st, "fake_widgets") == FAKEDEV_STAT(15, 0) &&
	      devmir_stat_value(dev, st, "no_such_stat") == 0;
	tap_check(ok, "stats_mirror_decoded", NULL);
	ok = !devmir_stat_read(dev, DEVMIR_STATS_DEVICE, st2, n) &&
	     fakedev.stats_flags == DRM_DEVMIR_QUERY_DEVICE &&
	     devmir_stat_value(dev, st2, "dirs_pruned") == FAKEDEV_STAT(3, 1);
	tap_check(ok, "stats_device_scope_flag", NULL);

	devmir_stat_delta(dev, d, st2, st);
	ok = true;
	for (i = 0; i < n; i++)
		ok &= d[i] == (f[i].counter ? 500000ULL : FAKEDEV_STAT(i, 1));
	st[0] = st2[0] + 5; /* went backwards: a reset */
	devmir_stat_delta(dev, d, st2, st);
	ok &= d[0] == st2[0];
	memcpy(d, st2, sizeof(d));
	devmir_stat_delta(dev, d, d, st); /* aliasing */
	ok &= devmir_stat_value(dev, d, "accesses") == 500000ULL;
	tap_check(ok, "stats_delta_counters_and_gauges", NULL);

	ok = !devmir_reset_stats(dev, DEVMIR_STATS_DEVICE) &&
	     fakedev.reset_flags == 1 &&
	     !devmir_reset_stats(dev, DEVMIR_STATS_MIRROR) &&
	     fakedev.reset_flags == 0 &&
	     devmir_reset_stats(dev, (enum devmir_stats_scope)5) == -EINVAL &&
	     devmir_stat_read(dev, (enum devmir_stats_scope)5, st, n) ==
		     -EINVAL &&
	     devmir_stat_read(dev, DEVMIR_STATS_MIRROR, NULL, n) == -EINVAL &&
	     devmir_stat_read(dev, DEVMIR_STATS_MIRROR, st, n - 1) == -EINVAL;
	tap_check(ok, "stats_reset_scopes", NULL);
	devmir_close(dev);
}

/* The latency histograms: decoding, scopes, sizes, refusals, quantiles. */
static void test_latency(void)
{
	struct devmir_latency h[4], one;
	struct devmir_dev *dev = open_fake();
	unsigned int n = 0, k;
	unsigned char big[sizeof(struct devmir_latency) + 16];
	bool ok;

	if (!dev) {
		tap_check(false, "latency_read_decoded", "no fake device");
		return;
	}
	memset(h, 0xa5, sizeof(h));
	ok = !devmir_latency_read(dev, DEVMIR_STATS_MIRROR, h, 4, sizeof(h[0]), &n) &&
	     n == FAKEDEV_NLAT && fakedev.lat_flags == 0;
	for (k = 0; ok && k < FAKEDEV_NLAT; k++)
		ok = !strcmp(h[k].name, fakedev_lat_names[k]) &&
		     h[k].count == FAKEDEV_LAT_COUNT(k, 0) &&
		     h[k].sum_ns == FAKEDEV_LAT_COUNT(k, 0) << (10 + k) &&
		     h[k].max_ns == (2ULL << (10 + k)) - 1 &&
		     h[k].buckets[10 + k] == h[k].count && h[k].buckets[0] == 0;
	/* Entries past the device's count are not written. */
	ok = ok && h[3].count == 0xa5a5a5a5a5a5a5a5ULL;
	tap_check(ok, "latency_read_decoded", "%u histograms", n);

	ok = !devmir_latency_read(dev, DEVMIR_STATS_DEVICE, h, 4, sizeof(h[0]), NULL) &&
	     fakedev.lat_flags == DRM_DEVMIR_QUERY_DEVICE &&
	     h[1].count == FAKEDEV_LAT_COUNT(1, 1);
	tap_check(ok, "latency_device_scope_flag", NULL);

	/* Fewer slots than histograms: the first ones, and the full count. */
	memset(h, 0, sizeof(h));
	n = 0;
	ok = !devmir_latency_read(dev, DEVMIR_STATS_MIRROR, h, 1, sizeof(h[0]), &n) &&
	     n == FAKEDEV_NLAT && !strcmp(h[0].name, "fault_4k") && !h[1].count;
	n = 0;
	ok = ok && !devmir_latency_read(dev, DEVMIR_STATS_MIRROR, NULL, 0, 0, &n) &&
	     n == FAKEDEV_NLAT;
	tap_check(ok, "latency_fewer_slots_and_count_only", NULL);

	/* A caller built against a larger structure gets zeros past ours. */
	memset(big, 0xff, sizeof(big));
	ok = !devmir_latency_read(dev, DEVMIR_STATS_MIRROR, (void *)big, 1,
				  sizeof(big), NULL);
	for (k = sizeof(struct devmir_latency); ok && k < sizeof(big); k++)
		ok = !big[k];
	ok = ok && devmir_latency_read(dev, DEVMIR_STATS_MIRROR, h, 1,
				       offsetof(struct devmir_latency, buckets), NULL) ==
			   -EINVAL &&
	     devmir_latency_read(dev, DEVMIR_STATS_MIRROR, NULL, 1, sizeof(h[0]), NULL) ==
		     -EINVAL &&
	     devmir_latency_read(dev, (enum devmir_stats_scope)5, h, 1,
				 sizeof(h[0]), NULL) == -EINVAL &&
	     devmir_latency_read(NULL, DEVMIR_STATS_MIRROR, h, 1, sizeof(h[0]),
				 NULL) == -EINVAL;
	tap_check(ok, "latency_entry_size_and_bad_arguments", NULL);

	fakedev.lat_buckets = 16;
	ok = devmir_latency_read(dev, DEVMIR_STATS_MIRROR, h, 4, sizeof(h[0]), NULL) ==
	     -EPROTO;
	fakedev.lat_buckets = 0;
	fakedev.no_latency = true;
	ok = ok && devmir_latency_read(dev, DEVMIR_STATS_MIRROR, h, 4, sizeof(h[0]),
				       NULL) == -EOPNOTSUPP;
	fakedev.no_latency = false;
	tap_check(ok, "latency_malformed_and_older_driver", NULL);

	/* 90 samples of 1 us (bucket 9), 10 of about 1 ms (bucket 19). */
	memset(&one, 0, sizeof(one));
	one.count = 100;
	one.buckets[9] = 90;
	one.buckets[19] = 10;
	one.max_ns = 900000;
	ok = devmir_latency_quantile(&one, 0.5) == 1023 &&
	     devmir_latency_quantile(&one, 0.9) == 1023 &&
	     devmir_latency_quantile(&one, 0.91) == 900000 &&
	     devmir_latency_quantile(&one, 0) == 1023 &&
	     devmir_latency_quantile(&one, 1) == 900000 &&
	     devmir_latency_quantile(&one, 1.5) == 0 &&
	     devmir_latency_quantile(&one, -0.1) == 0 &&
	     devmir_latency_quantile(NULL, 0.5) == 0;
	one.max_ns = 3000000000ULL;
	one.buckets[19] = 0;
	one.buckets[DEVMIR_LATENCY_BUCKETS - 1] = 10;
	ok = ok && devmir_latency_quantile(&one, 0.99) == 3000000000ULL;
	memset(&one, 0, sizeof(one));
	ok = ok && devmir_latency_quantile(&one, 0.5) == 0;
	tap_check(ok, "latency_quantiles", NULL);
	devmir_close(dev);
}

/* Every bad migration is refused by the library, before any ioctl. */
static void test_migrate_validation(void)
{
	struct devmir_dev *dev = open_fake();
	const void *base = (const void *)0x40000000UL;
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	unsigned int calls;
	bool ok = true;

	if (!dev) {
		tap_check(false, "migrate_bad_arguments_einval",
			  "no fake device");
		return;
	}
	calls = fakedev.calls;
	ok &= devmir_migrate_range(NULL, base, PAGE, DEVMIR_MIGDIR_TO_DEVICE, 0,
			     &res) == -EINVAL;
	ok &= devmir_migrate_range(dev, (const char *)base + 8, PAGE,
			     DEVMIR_MIGDIR_TO_DEVICE, 0, &res) == -EINVAL;
	ok &= devmir_migrate_range(dev, base, 0, DEVMIR_MIGDIR_TO_DEVICE, 0, &res) ==
	      -EINVAL;
	ok &= devmir_migrate_range(dev, base, PAGE + 1, DEVMIR_MIGDIR_TO_SYSTEM, 0,
			     &res) == -EINVAL;
	ok &= devmir_migrate_range(dev, (const void *)(UINTPTR_MAX & ~4095UL),
			     2 * PAGE, DEVMIR_MIGDIR_TO_DEVICE, 0,
			     &res) == -EINVAL;
	ok &= devmir_migrate_range(dev, base, PAGE, (enum devmir_migdir)2, 0,
			     &res) == -EINVAL;
	ok &= devmir_migrate_range(dev, base, PAGE, DEVMIR_MIGDIR_TO_DEVICE, 0x2,
			     &res) == -EINVAL;
	ok &= devmir_prefetch(dev, (const char *)base + 1, PAGE, NULL) ==
	      -EINVAL;
	ok &= devmir_prefetch(NULL, base, PAGE, NULL) == -EINVAL;
	ok = ok && fakedev.calls == calls;
	tap_check(ok, "migrate_bad_arguments_einval",
		  "ok %d, %u ioctls reached the device", ok,
		  fakedev.calls - calls);
	ok = !strcmp(devmir_migfail_name(DEVMIR_MIGFAIL_BUSY),
		     "busy") &&
	     !strcmp(devmir_migfail_name(DEVMIR_MIGFAIL_NOMEM),
		     "nomem") &&
	     !strcmp(devmir_migfail_name((enum devmir_migfail)9),
		     "invalid");
	tap_check(ok, "migrate_fail_names", NULL);
	devmir_close(dev);
}

/* Large ranges are split at the device's limit; results add up. */
static void test_migrate_marshalling(void)
{
	struct devmir_dev *dev = open_fake();
	uintptr_t base = 0x40000000UL;
	size_t size = 2 * DEVMIR_MIGRATE_MAX + 2 * PAGE;
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	bool ok;
	int ret;

	if (!dev) {
		tap_check(false, "migrate_split_at_max", "no fake device");
		return;
	}
	memset(&res, 0xff, sizeof(res));
	res.struct_size = sizeof(res);
	ret = devmir_migrate_range(dev, (void *)base, size, DEVMIR_MIGDIR_TO_SYSTEM,
			     0, &res);
	ok = !ret && fakedev.migrate_calls == 3 &&
	     fakedev.migrate_addr[0] == base &&
	     fakedev.migrate_size[0] == DEVMIR_MIGRATE_MAX &&
	     fakedev.migrate_addr[1] == base + DEVMIR_MIGRATE_MAX &&
	     fakedev.migrate_addr[2] == base + 2 * DEVMIR_MIGRATE_MAX &&
	     fakedev.migrate_size[2] == 2 * PAGE &&
	     fakedev.migrate_dir == DEVMIR_MIGDIR_TO_SYSTEM &&
	     fakedev.migrate_flags == 0 && res.migrated == size / PAGE &&
	     res.bytes_copied == size && res.already == 0 && res.absent == 0 &&
	     res.failed[DEVMIR_MIGFAIL_BUSY] == 0 && res.evicted == 0;
	tap_check(ok, "migrate_split_at_max", "ret %d calls %u migrated %llu",
		  ret, fakedev.migrate_calls, (unsigned long long)res.migrated);

	/* Busy pages fail a migration after its first command... */
	fakedev_reset();
	fakedev.migrate_busy = true;
	ret = devmir_migrate_range(dev, (void *)base, size, DEVMIR_MIGDIR_TO_DEVICE,
			     0, &res);
	ok = ret == -EBUSY && fakedev.migrate_calls == 1 &&
	     fakedev.migrate_dir == DEVMIR_MIGDIR_TO_DEVICE &&
	     res.failed[DEVMIR_MIGFAIL_BUSY] ==
		     DEVMIR_MIGRATE_MAX / PAGE &&
	     res.migrated == 0;
	tap_check(ok, "migrate_failure_counts_reasons",
		  "ret %d calls %u busy %llu", ret, fakedev.migrate_calls,
		  (unsigned long long)res.failed[DEVMIR_MIGFAIL_BUSY]);

	/* ...but not a prefetch, which is a hint. */
	fakedev_reset();
	fakedev.migrate_busy = true;
	ret = devmir_prefetch(dev, (void *)base, 4 * PAGE, &res);
	ok = !ret && fakedev.migrate_calls == 1 &&
	     fakedev.migrate_flags == DEVMIR_MIGFLAG_PREFETCH &&
	     fakedev.migrate_dir == DEVMIR_MIGDIR_TO_DEVICE &&
	     res.failed[DEVMIR_MIGFAIL_BUSY] == 4;
	tap_check(ok, "migrate_prefetch_is_a_hint", "ret %d flags %u", ret,
		  fakedev.migrate_flags);
	fakedev.migrate_busy = false;
	devmir_close(dev);
}

static void test_topology(void)
{
	struct devmir_topo_summary sum = DEVMIR_INIT(sum);
	struct devmir_numa_node node = DEVMIR_INIT(node);
	struct devmir_topo *topo = NULL;
	struct devmir_dev *dev;
	uint64_t memory = 0;
	cpu_set_t set;
	unsigned int i;
	int ret, where = 7;
	bool ok;

	ret = devmir_topo_load(&topo);
	if (!tap_check(!ret && topo, "topo_load", "ret %d", ret))
		return;
	ok = !devmir_topo_summary(topo, &sum) && sum.numa_nodes >= 1 &&
	     sum.cores >= 1 && sum.pus >= sum.cores && sum.memory > 0;
	for (i = 0; ok && i < sum.numa_nodes; i++) {
		ok &= !devmir_topo_node(topo, i, &node);
		memory += node.memory;
	}
	ok &= devmir_topo_node(topo, sum.numa_nodes, &node) == -ENOENT &&
	      memory == sum.memory;
	tap_check(ok, "topo_nodes_add_up", "%u nodes, %llu vs %llu bytes",
		  sum.numa_nodes, (unsigned long long)memory,
		  (unsigned long long)sum.memory);

	ok = !devmir_topo_node(topo, 0, &node) &&
	     !devmir_topo_bind_node(topo, node.node) &&
	     !sched_getaffinity(0, sizeof(set), &set) &&
	     (unsigned int)CPU_COUNT(&set) == node.pus;
	tap_check(ok, "topo_bind_node_cpus", "node %d: %u PUs, bound to %d",
		  node.node, node.pus, CPU_COUNT(&set));
	ok = !devmir_topo_bind_node(topo, -1) &&
	     !sched_getaffinity(0, sizeof(set), &set) &&
	     (unsigned int)CPU_COUNT(&set) >= node.pus &&
	     devmir_topo_bind_node(topo, 4096) == -ENOENT &&
	     devmir_topo_bind_node(NULL, 0) == -EINVAL;
	tap_check(ok, "topo_bind_all_and_bad_node", NULL);

	dev = open_fake();
	ok = dev && !devmir_topo_bind_device(topo, dev, &where) &&
	     where == -1 && !sched_getaffinity(0, sizeof(set), &set) &&
	     (unsigned int)CPU_COUNT(&set) >= node.pus;
	tap_check(ok, "topo_bind_device_without_affinity", "where %d", where);
	devmir_close(dev);
	devmir_topo_free(topo);
}

static void test_numa(void)
{
	size_t size = 64 * PAGE, moved = 0, i;
	int nodes = devmir_numa_nodes(), where[64], node = -1, n;
	uint8_t *buf = NULL;
	bool ok;

	if (nodes == -EOPNOTSUPP) {
		tap_skip("numa_alloc_on_node",
			 "no NUMA support in this kernel");
		tap_skip("numa_move_keeps_data",
			 "no NUMA support in this kernel");
		return;
	}
	/* The first node that can hold the buffer. */
	for (n = 0; n < nodes && node < 0; n++)
		if (!devmir_numa_alloc(size, n, (void **)&buf))
			node = n;
	ok = node >= 0 && !devmir_numa_where(buf, 64, where);
	for (i = 0; ok && i < 64; i++)
		ok &= where[i] == node;
	tap_check(ok, "numa_alloc_on_node", "node %d of %d", node, nodes);
	if (node < 0)
		return;
	for (i = 0; i < size; i++)
		buf[i] = (uint8_t)(i ^ (i >> 9));
	ok = !devmir_numa_move(buf, size, node, &moved) && moved == 64;
	for (i = 0; ok && i < size; i++)
		ok &= buf[i] == (uint8_t)(i ^ (i >> 9));
	tap_check(ok, "numa_move_keeps_data", "moved %zu", moved);
	ok = devmir_numa_move(buf + 1, size, node, NULL) == -EINVAL &&
	     devmir_numa_move(buf, 0, node, NULL) == -EINVAL &&
	     devmir_numa_move(buf, size, nodes + 3, NULL) == -EINVAL &&
	     devmir_numa_alloc(size, -1, (void **)&buf) == -EINVAL &&
	     devmir_numa_where(buf, 0, where) == -EINVAL;
	tap_check(ok, "numa_bad_arguments_einval", NULL);
	devmir_numa_free(buf, size);
}

int main(int argc, char **argv)
{
	tap_init(argc, argv, "userlib.");
	test_version_and_messages();
	test_no_device();
	test_open_errors();
	test_fake_identity();
	test_fake_info();
	test_fake_retry();
	test_struct_size();
	test_access_validation();
	test_access_data();
	test_policy();
	test_advise();
	test_snapshot();
	test_stats();
	test_latency();
	test_migrate_validation();
	test_migrate_marshalling();
	test_topology();
	test_numa();
	return tap_done();
}
