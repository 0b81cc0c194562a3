// SPDX-License-Identifier: MIT
/*
 * watch_stats.c - watch a device's statistics while this process makes it
 * work: the device describes its statistics itself, so they are read by
 * name, and a counter a newer driver adds shows up without a new library.
 *
 * Build: cc watch_stats.c $(pkg-config --cflags --libs devmirror)
 * Run:   ./watch_stats [ROUNDS]     (exit 0 when every round added faults)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libdevmirror.h>

#define SIZE (1 << 20)

int main(int argc, char **argv)
{
	const struct devmir_stat_field *fields;
	int rounds = argc > 1 ? atoi(argv[1]) : 3, r, ok = 1;
	uint64_t *before, *after;
	struct devmir_dev *dev;
	unsigned int n, i;
	char *buf, *out;
	int ret;

	ret = devmir_open(0, &dev);
	if (ret) {
		fprintf(stderr, "open: %s (%s)\n", devmir_strerror(ret),
			devmir_last_error());
		return 1;
	}
	devmir_stat_fields(dev, &fields, &n);
	printf("device %u reports %u statistics", devmir_index(dev), n);
	for (i = 0; i < n && i < 4; i++)
		printf("%s %s%s", i ? "," : ":", fields[i].name,
		       fields[i].counter ? "" : " (gauge)");
	printf(", ...\n");
	before = calloc(n, sizeof(*before));
	after = calloc(n, sizeof(*after));
	out = malloc(SIZE);
	if (!before || !after || !out)
		return 1;

	for (r = 0; r < rounds; r++) {
		devmir_stat_read(dev, DEVMIR_STATS_MIRROR, before, n);
		/* Fresh memory each round: the device must fault it in. */
		buf = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return 1;
		memset(buf, r, SIZE);
		ret = devmir_read(dev, buf, out, SIZE, NULL);
		munmap(buf, SIZE); /* the mirror drops it: an invalidation */
		devmir_stat_read(dev, DEVMIR_STATS_MIRROR, after, n);
		devmir_stat_delta(dev, after, after, before);
		printf("round %d: %s, faults %" PRIu64 ", pages mapped %" PRIu64
		       ", unmap invalidations %" PRIu64 "\n",
		       r + 1, ret ? devmir_strerror(ret) : "read ok",
		       devmir_stat_value(dev, after, "faults"),
		       devmir_stat_value(dev, after, "pages_mapped"),
		       devmir_stat_value(dev, after, "inv_unmap"));
		ok &= !ret && devmir_stat_value(dev, after, "faults") > 0 &&
		      devmir_stat_value(dev, after, "inv_unmap") > 0;
	}
	printf("watch_stats %s\n", ok ? "ok" : "FAILED");
	free(before);
	free(after);
	free(out);
	devmir_close(dev);
	return !ok;
}
