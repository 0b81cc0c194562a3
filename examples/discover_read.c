// SPDX-License-Identifier: MIT
/*
 * discover_read.c - find the devmirror devices, open the first usable one,
 * and let it read a buffer of this process through its mirror.
 *
 * The device reads process memory the way a GPU with shared virtual memory
 * does: by virtual address, faulting pages into its own page table on
 * first touch. A second read of the same buffer faults no more.
 *
 * Build: cc discover_read.c $(pkg-config --cflags --libs devmirror)
 * Run:   ./discover_read           (exit 0 when the data read back matches)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdevmirror.h>

#define MAX_DEVICES 16
#define SIZE (1 << 20)

int main(void)
{
	struct devmir_enum_entry list[MAX_DEVICES];
	struct devmir_info info = DEVMIR_INIT(info);
	uint64_t cold, warm;
	struct devmir_dev *dev = NULL;
	char *buf, *copy;
	int n, i, ret;

	n = devmir_enumerate(list, MAX_DEVICES, sizeof(list[0]));
	if (n < 0) {
		fprintf(stderr, "enumerate: %s\n", devmir_strerror(n));
		return 1;
	}
	if (n == 0) {
		/* The library says why: no render node, module not loaded... */
		fprintf(stderr, "no devmirror device: %s\n",
			devmir_last_error());
		return 1;
	}
	printf("devices: %d\n", n);
	for (i = 0; i < n && i < MAX_DEVICES; i++) {
		printf("device %u: %s, ABI %u%s\n", list[i].index, list[i].path,
		       list[i].abi_version,
		       list[i].usable ? "" : " (not usable)");
		if (!dev && list[i].usable &&
		    devmir_open(list[i].index, &dev) != 0)
			dev = NULL;
	}
	if (!dev) {
		fprintf(stderr, "no usable device: %s\n", devmir_last_error());
		return 1;
	}
	ret = devmir_get_info(dev, &info);
	if (ret) {
		fprintf(stderr, "info: %s\n", devmir_strerror(ret));
		devmir_close(dev);
		return 1;
	}
	printf("opened device %u: %u-level table, %u TLB entries, %u engines\n",
	       info.index, info.levels, info.tlb_entries, info.engines);

	/* Ordinary memory: the device needs no special allocation. */
	buf = malloc(SIZE);
	copy = malloc(SIZE);
	if (!buf || !copy) {
		devmir_close(dev);
		return 1;
	}
	for (i = 0; i < SIZE; i++)
		buf[i] = (char)(i * 7);

	ret = devmir_read(dev, buf, copy, SIZE, &cold);
	if (!ret)
		ret = devmir_read(dev, buf, copy, SIZE, &warm);
	if (ret) {
		fprintf(stderr, "device read: %s\n", devmir_strerror(ret));
		devmir_close(dev);
		return 1;
	}
	printf("device read %d bytes: %" PRIu64 " faults cold, %" PRIu64
	       " warm\n",
	       SIZE, cold, warm);
	printf("data %s\n", memcmp(buf, copy, SIZE) ? "MISMATCH" : "ok");
	ret = memcmp(buf, copy, SIZE) || !cold || warm;
	free(buf);
	free(copy);
	devmir_close(dev);
	return ret;
}
