// SPDX-License-Identifier: MIT
/*
 * migrate_verify.c - move a buffer into a device's private memory, check
 * that the device's mirror maps it there and that the data survived, then
 * bring it back by touching it from the CPU.
 *
 * Build: cc migrate_verify.c $(pkg-config --cflags --libs devmirror)
 * Run:   ./migrate_verify [INDEX]   (exit 0 when every check passed)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libdevmirror.h>

#define PAGES 256
#define PAGE 4096
#define SIZE (PAGES * PAGE)

/* How many pages of the buffer the device's mirror maps in device memory. */
static int pages_on_device(struct devmir_dev *dev, const void *buf)
{
	struct devmir_page pages[PAGES];
	int i, n = 0;

	if (devmir_snapshot(dev, buf, PAGES, pages, sizeof(pages[0]), NULL))
		return -1;
	for (i = 0; i < PAGES; i++)
		n += pages[i].state == DEVMIR_PAGE_DEVICE;
	return n;
}

int main(int argc, char **argv)
{
	struct devmir_migrate_report res = DEVMIR_INIT(res);
	struct devmir_info info = DEVMIR_INIT(info);
	unsigned int index = argc > 1 ? atoi(argv[1]) : 0;
	struct devmir_dev *dev;
	unsigned char *buf, *copy;
	long bad = -1, i;
	int ret, ok = 1;

	ret = devmir_open(index, &dev);
	if (ret) {
		fprintf(stderr, "open device %u: %s (%s)\n", index,
			devmir_strerror(ret), devmir_last_error());
		return 1;
	}
	if (devmir_get_info(dev, &info) || !info.device_memory) {
		fprintf(stderr, "device %u has no device memory\n", index);
		devmir_close(dev);
		return 1;
	}
	/* Private anonymous memory: what migrates to device memory. */
	buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	copy = malloc(SIZE);
	if (buf == MAP_FAILED || !copy)
		return 1;
	for (i = 0; i < SIZE; i++)
		buf[i] = (unsigned char)(i ^ (i >> 12));

	ret = devmir_migrate_range(dev, buf, SIZE, DEVMIR_MIGDIR_TO_DEVICE, 0,
				   &res);
	printf("to device: %s, %" PRIu64 " pages moved, %" PRIu64
	       " bytes copied\n",
	       ret ? devmir_strerror(ret) : "ok", res.migrated,
	       res.bytes_copied);
	ok &= !ret && res.migrated == PAGES;
	printf("mirror: %d of %d pages in device memory\n",
	       pages_on_device(dev, buf), PAGES);
	ok &= pages_on_device(dev, buf) == PAGES;

	/* The device reads its own memory: the data must be what the CPU wrote. */
	ret = devmir_read(dev, buf, copy, SIZE, NULL);
	for (i = 0; !ret && i < SIZE && bad < 0; i++)
		if (copy[i] != (unsigned char)(i ^ (i >> 12)))
			bad = i;
	printf("device read: %s\n", ret ? devmir_strerror(ret) :
				    bad < 0 ? "data ok" : "MISMATCH");
	ok &= !ret && bad < 0;

	/* A CPU touch brings each page back by itself; no call needed. */
	for (i = 0; i < SIZE && bad < 0; i++)
		if (buf[i] != (unsigned char)(i ^ (i >> 12)))
			bad = i;
	printf("CPU read: %s, %d pages left in device memory\n",
	       bad < 0 ? "data ok" : "MISMATCH", pages_on_device(dev, buf));
	ok &= bad < 0 && pages_on_device(dev, buf) == 0;

	printf("migrate_verify %s\n", ok ? "ok" : "FAILED");
	munmap(buf, SIZE);
	free(copy);
	devmir_close(dev);
	return !ok;
}
