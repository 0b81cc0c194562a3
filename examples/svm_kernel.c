// SPDX-License-Identifier: MIT
/*
 * svm_kernel.c - a tiny "SVM kernel": the device runs saxpy, y = a * x + y,
 * over arrays that are plain malloc() memory of this process, and sums the
 * result with device atomics into a word the CPU then reads.
 *
 * Shared virtual memory means no copies and no special allocations: the
 * device is handed the same pointers the CPU uses. Each work-group reads a
 * tile of x and y through the device, computes, writes the tile of y back
 * through the device, and adds its partial sum to a global counter with a
 * device atomic, as a GPU kernel would. The engines take the tiles in
 * turn, like compute units.
 *
 * Build: cc svm_kernel.c $(pkg-config --cflags --libs devmirror)
 * Run:   ./svm_kernel [ELEMENTS]    (exit 0 when the CPU agrees)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <libdevmirror.h>

#define TILE 1024 /* elements per work-group */
#define A 3

int main(int argc, char **argv)
{
	struct devmir_info info = DEVMIR_INIT(info);
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1 << 18, i, t, len;
	int32_t *x, *y, xt[TILE], yt[TILE];
	uint64_t *sum, faults = 0, expect = 0;
	struct devmir_dev *dev;
	int ret = 0, bad = 0;

	if (devmir_open(0, &dev) || devmir_get_info(dev, &info)) {
		fprintf(stderr, "no device: %s\n", devmir_last_error());
		return 1;
	}
	x = malloc(n * sizeof(*x));
	y = malloc(n * sizeof(*y));
	sum = aligned_alloc(8, sizeof(*sum)); /* device atomics: 8-byte aligned */
	if (!x || !y || !sum)
		return 1;
	for (i = 0; i < n; i++) {
		x[i] = (int32_t)(i % 1000);
		y[i] = (int32_t)(i % 7);
	}
	*sum = 0;

	/* The kernel: one work-group per tile, engines in turn. */
	for (t = 0; t < n && !ret; t += TILE) {
		struct devmir_access acc = DEVMIR_INIT(acc);
		uint64_t partial = 0;

		len = n - t < TILE ? n - t : TILE;
		acc.engine = (t / TILE) % info.engines;
		acc.op = DEVMIR_OP_READ;
		acc.addr = x + t;
		acc.buffer = xt;
		acc.size = len * sizeof(*x);
		ret = devmir_access(dev, &acc);
		faults += acc.faults;
		if (ret)
			break;
		acc.addr = y + t;
		acc.buffer = yt;
		ret = devmir_access(dev, &acc);
		faults += acc.faults;
		if (ret)
			break;
		for (i = 0; i < len; i++) {
			yt[i] = A * xt[i] + yt[i];
			partial += (uint64_t)yt[i];
		}
		acc.op = DEVMIR_OP_WRITE;
		ret = devmir_access(dev, &acc);
		faults += acc.faults;
		if (ret)
			break;
		acc.op = DEVMIR_OP_ATOMIC_ADD;
		acc.addr = sum;
		acc.buffer = NULL;
		acc.size = sizeof(*sum);
		acc.operand = partial;
		ret = devmir_access(dev, &acc);
	}
	if (ret) {
		fprintf(stderr, "kernel: %s\n", devmir_strerror(ret));
		return 1;
	}

	/* The CPU checks what the device wrote into its memory. */
	for (i = 0; i < n; i++) {
		int32_t want = A * (int32_t)(i % 1000) + (int32_t)(i % 7);

		bad += y[i] != want;
		expect += (uint64_t)want;
	}
	printf("svm_kernel: saxpy over %zu elements on %u engine(s), %" PRIu64
	       " device faults\n",
	       n, info.engines, faults);
	printf("y %s, sum %" PRIu64 " (CPU: %" PRIu64 ")\n",
	       bad ? "MISMATCH" : "ok", *sum, expect);
	printf("svm_kernel %s\n", !bad && *sum == expect ? "ok" : "FAILED");
	ret = bad || *sum != expect;
	free(x);
	free(y);
	free(sum);
	devmir_close(dev);
	return ret;
}
