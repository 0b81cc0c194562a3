/* SPDX-License-Identifier: MIT */
/*
 * libdevmirror.h - libdevmirror: user-space access to devmirror devices.
 * libdevmirror_migrate.h (included at the end) adds migration between system
 * and device memory; libdevmirror_topo.h adds the machine topology and NUMA
 * placement helpers.
 */

/**
 * DOC: Overview
 *
 * A devmirror device mirrors the calling process's address space into a
 * device page table that fills on device faults. libdevmirror finds the
 * devices through libdrm (render nodes whose DRM driver is "devmirror"),
 * opens them by index or path, checks the ABI version, and wraps the
 * device ABI: device info, device READ/WRITE/atomics on process memory,
 * the fault policy (fault-driven migration included), snapshots of the
 * mirror table decoded per page, statistics by name as the device
 * describes them (devmir_stat_fields()), and explicit migration of a range to device
 * or system memory (devmir_migrate_range(), devmir_prefetch()) with per-page
 * results and failure reasons.
 */

/**
 * DOC: Conventions
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative errno on failure; errno itself is not part of the contract.
 * devmir_strerror() turns such a value into a message, devmir_last_error()
 * gives the details of the calling thread's last discovery or open failure.
 * Arguments the driver would refuse are refused by the library first
 * (-EINVAL), before any system call.
 *
 * Page-table levels are numbered as in the device ABI: level 0 is the leaf
 * (4 KiB) level, higher levels map larger spans.
 */

/**
 * DOC: ABI of this library
 *
 * Every structure a caller allocates for one call starts with
 * ``struct_size``, which the caller sets to sizeof() of the structure it
 * was compiled with (DEVMIR_INIT() does it); functions that fill an array
 * take the size of one element instead. A later library that appends
 * members to a structure reads and writes only the bytes the caller said
 * it has, so a new member is not a new SONAME: it comes with a minor
 * version and a new version node of the symbol map. Removing or changing a
 * member, or a function, does bump the SONAME.
 *
 * libdevmirror.so.3 (version node DEVMIRROR_3.0) replaced
 * libdevmirror.so.2: the size fields appeared and the topology and NUMA
 * helpers moved to libdevmirror-topo.so.1 (libdevmirror_topo.h), so that
 * libdevmirror depends on libdrm alone and links statically
 * (docs/userlib.md, "ABI history"). A new statistic never changes this ABI.
 */

/**
 * DOC: Locking
 *
 * A struct devmir_dev is immutable once opened and may be used by several
 * threads at once: every call is one or a few ioctls on the handle's file
 * descriptor, and the driver serialises what it must (accesses on one
 * engine run one at a time). devmir_close() must not race any other call
 * on the same handle. The one ioctl wrapper retries EINTR and EAGAIN, so a
 * signal arriving while the device faults does not fail a call.
 *
 * A handle belongs to the process that opened it: after fork() the child
 * must open its own (the driver answers -EBADF). Every handle of one
 * process on one device shares that process's mirror: its policy, table
 * and statistics.
 */

/**
 * DOC: Examples
 *
 * Read a buffer through device 0 and count the faults::
 *
 *	struct devmir_dev *dev;
 *	uint64_t faults;
 *	int ret = devmir_open(0, &dev);
 *
 *	if (ret) {
 *		fprintf(stderr, "%s: %s\n", devmir_strerror(ret),
 *			devmir_last_error());
 *		return 1;
 *	}
 *	ret = devmir_read(dev, buf, out, size, &faults);
 *	devmir_close(dev);
 *
 * Build with ``pkg-config --cflags --libs devmirror``.
 */
#ifndef _LIBDEVMIRROR_H
#define _LIBDEVMIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of this header, the one source of the library's version:
 * the build takes the SONAME (libdevmirror.so.MAJOR), devmirror.pc's and
 * the man pages' version from these three lines.
 */
#define DEVMIR_VERSION_MAJOR 3
#define DEVMIR_VERSION_MINOR 3
#define DEVMIR_VERSION_PATCH 0

/*
 * Compile-time check: #if DEVMIR_VERSION >= DEVMIR_VERSION_NUM(3, 1, 0).
 * devmir_version_number() returns the same encoding for the library loaded
 * at run time.
 */
#define DEVMIR_VERSION_NUM(major, minor, patch) \
	(((major) << 16) | ((minor) << 8) | (patch))
#define DEVMIR_VERSION                                                 \
	DEVMIR_VERSION_NUM(DEVMIR_VERSION_MAJOR, DEVMIR_VERSION_MINOR, \
			   DEVMIR_VERSION_PATCH)

/*
 * Initialiser of a caller-allocated structure: sets its struct_size.
 *	struct devmir_info info = DEVMIR_INIT(info);
 */
/* clang-format off */
#define DEVMIR_INIT(var) { .struct_size = sizeof(var) }
/* clang-format on */

/*
 * Device ABI versions this library speaks: DRM_DEVMIR_ABI_VERSION, and the
 * oldest it still opens (ABI 3 only added ioctls: range attributes, which
 * are -EOPNOTSUPP on an ABI 2 device).
 */
#define DEVMIR_ABI_VERSION 3
#define DEVMIR_ABI_VERSION_MIN 2

/* Array bounds of the structures below. */
#define DEVMIR_MAX_LEVELS 8 /* page-table levels, level 0 = leaf */
#define DEVMIR_PATH_MAX 64 /* render-node path, NUL included */

/* Largest single device READ or WRITE command; larger calls are split. */
#define DEVMIR_ACCESS_MAX (64ULL << 20)

struct devmir_dev;

/**
 * struct devmir_enum_entry - One devmirror device found by devmir_enumerate().
 * @index: Device index reported by the driver; the @index of devmir_open().
 * @path: Render-node path (e.g. "/dev/dri/renderD128").
 * @abi_version: ABI version the device reports.
 * @drv_major: DRM driver version, major.
 * @drv_minor: DRM driver version, minor.
 * @drv_patchlevel: DRM driver version, patch level.
 * @numa_node: NUMA node the device is attached to, as sysfs reports it;
 *	-1 when the device has no NUMA affinity.
 * @usable: True when @abi_version is %DEVMIR_ABI_VERSION_MIN ..
 *	%DEVMIR_ABI_VERSION, i.e. this library can open the device.
 */
struct devmir_enum_entry {
	unsigned int index;
	char path[DEVMIR_PATH_MAX];
	unsigned int abi_version;
	int drv_major;
	int drv_minor;
	int drv_patchlevel;
	int numa_node;
	bool usable;
};

/**
 * enum devmir_mem_kind - The kind of a device's memory (&devmir_info).
 * @DEVMIR_MEM_PRIVATE: Device-private: the CPU cannot access it; a CPU
 *	touch migrates the page back to system memory.
 * @DEVMIR_MEM_COHERENT: Device-coherent (an APU's or a CXL device's
 *	memory): the CPU reads and writes it in place; pages leave it by an
 *	explicit migration, or when the kernel pins them long-term.
 */
enum devmir_mem_kind {
	DEVMIR_MEM_PRIVATE = 0,
	DEVMIR_MEM_COHERENT = 1,
};

/**
 * struct devmir_info - What a device reports about itself (GET_INFO).
 * @struct_size: (in) sizeof(struct devmir_info) as the caller compiled it.
 * @abi_version: ABI version of the driver.
 * @index: Device index (0-based).
 * @asid: Address-space id of the calling process's mirror on the device.
 * @levels: Levels of the mirror table format.
 * @leaf_levels: Bitmask of the levels that may hold a leaf (bit 0: level 0,
 *	the 4 KiB leaf level).
 * @va_bits: Virtual-address bits the mirror table spans.
 * @level_shift: Per level (level 0 = leaf): log2 of the bytes one entry of
 *	the level maps.
 * @level_bits: Per level (level 0 = leaf): log2 of entries per directory.
 * @page_sizes: Bitmask of mapping sizes: bit n set means 2^n-byte leaves.
 * @tlb_entries: Entries of the device TLB.
 * @tlb_ways: Associativity of the device TLB.
 * @fault_queue_entries: Capacity of the device fault queue.
 * @engines: Number of engines (valid &devmir_access.engine values are
 *	0 .. @engines - 1).
 * @txn_bytes: Bytes per device memory transaction.
 * @device_memory: Bytes of device memory (0: none), of the kind
 *	@memory_kind says.
 * @window_min: Smallest fault-ahead window, bytes.
 * @window_max: Largest fault-ahead window, bytes.
 * @memory_kind: &enum devmir_mem_kind of @device_memory (since 3.1; a
 *	caller built against 3.0 passes a structure without it).
 */
struct devmir_info {
	uint32_t struct_size;
	unsigned int abi_version;
	unsigned int index;
	unsigned int asid;
	unsigned int levels;
	unsigned int leaf_levels;
	unsigned int va_bits;
	unsigned int level_shift[DEVMIR_MAX_LEVELS];
	unsigned int level_bits[DEVMIR_MAX_LEVELS];
	uint64_t page_sizes;
	unsigned int tlb_entries;
	unsigned int tlb_ways;
	unsigned int fault_queue_entries;
	unsigned int engines;
	unsigned int txn_bytes;
	uint64_t device_memory;
	uint64_t window_min;
	uint64_t window_max;
	unsigned int memory_kind;
};

/**
 * enum devmir_op - Operation of a device access.
 * @DEVMIR_OP_READ: The device reads process memory into a buffer.
 * @DEVMIR_OP_WRITE: The device writes a buffer into process memory.
 * @DEVMIR_OP_ATOMIC_ADD: 64-bit atomic add; the old value is returned.
 * @DEVMIR_OP_ATOMIC_CMPXCHG: 64-bit compare-and-exchange; the old value is
 *	returned.
 */
enum devmir_op {
	DEVMIR_OP_READ,
	DEVMIR_OP_WRITE,
	DEVMIR_OP_ATOMIC_ADD,
	DEVMIR_OP_ATOMIC_CMPXCHG,
};

/* &devmir_access.flags: fail with -EFAULT on a translation miss, no fault. */
#define DEVMIR_ACCESS_NOFAULT (1U << 0)

/**
 * struct devmir_access - One device access, for devmir_access().
 * @struct_size: (in) sizeof(struct devmir_access) as the caller compiled it.
 * @op: (in) The operation.
 * @flags: (in) ``DEVMIR_ACCESS_*`` flags.
 * @engine: (in) Engine that executes it, below &devmir_info.engines.
 * @addr: (in) Process address of the first byte; 8-byte aligned for the
 *	atomics.
 * @size: (in) Bytes: 1 .. %DEVMIR_ACCESS_MAX for READ and WRITE, 8 for the
 *	atomics.
 * @buffer: (in) READ: destination, WRITE: source of @size bytes; NULL for
 *	the atomics.
 * @operand: (in) ATOMIC_ADD: the addend; ATOMIC_CMPXCHG: the new value.
 * @compare: (in) ATOMIC_CMPXCHG: the expected value.
 * @result: (out) Atomics: the value before the operation.
 * @faults: (out) Device faults the access raised.
 */
struct devmir_access {
	uint32_t struct_size;
	enum devmir_op op;
	unsigned int flags;
	unsigned int engine;
	const void *addr;
	size_t size;
	void *buffer;
	uint64_t operand;
	uint64_t compare;
	uint64_t result;
	uint64_t faults;
};

/* devmir_set_policy() @fields: which members of the policy to apply. */
#define DEVMIR_POLICY_WINDOW (1U << 0) /* fault_window */
#define DEVMIR_POLICY_BATCH (1U << 1) /* fault_batch */
#define DEVMIR_POLICY_MIGRATE (1U << 2) /* migrate_mode, migrate_threshold */
#define DEVMIR_POLICY_RAM_WINDOW (1U << 3) /* ram_window */
#define DEVMIR_POLICY_THRASH (1U << 4) /* thrash_rounds, thrash_hold_ms (3.1) */

/**
 * enum devmir_migmode - Fault-driven migration to the device.
 * @DEVMIR_MIGMODE_OFF: Mirror only (the default).
 * @DEVMIR_MIGMODE_FIRST_FAULT: A device fault migrates the fault-ahead
 *	window around it into device memory before mirroring it.
 * @DEVMIR_MIGMODE_THRESHOLD: Likewise, once a 2 MiB-aligned region has
 *	taken &devmir_policy.migrate_threshold device faults.
 */
enum devmir_migmode {
	DEVMIR_MIGMODE_OFF,
	DEVMIR_MIGMODE_FIRST_FAULT,
	DEVMIR_MIGMODE_THRESHOLD,
};

/**
 * struct devmir_policy - Fault-servicing policy of the caller's mirror.
 * @struct_size: sizeof(struct devmir_policy) as the caller compiled it.
 * @fault_batch: Faults serviced per batch, 1 .. fault_queue_entries.
 * @fault_window: Fault-ahead window in bytes, a power of two from
 *	&devmir_info.window_min (no fault-ahead) to &devmir_info.window_max.
 * @migrate_mode: Whether and when device faults migrate to device memory.
 * @migrate_threshold: %DEVMIR_MIGMODE_THRESHOLD: device faults per 2 MiB
 *	region before its faults migrate, 1..1024; 0 for the other modes.
 * @ram_window: Bytes a CPU fault on a device page migrates back to system
 *	memory: a power of two from &devmir_info.window_min (the page alone)
 *	to &devmir_info.window_max.
 * @thrash_rounds: (since 3.1) Round trips between CPU and device within a
 *	second that make a 2 MiB region thrashing under a fault-driven
 *	migration mode, 0 to 64; 0 stops watching (default 3).
 * @thrash_hold_ms: (since 3.1) How long a thrashing region then stays in
 *	system memory, mirrored there instead of migrated, 0 to 10000 ms
 *	(doubling while it keeps thrashing right after a hold); 0 counts
 *	thrashing without holding (default 200).
 *
 * The policy belongs to the process's mirror: every handle of the same
 * process on the same device shares it. The migration members take effect
 * on devices with device memory (&devmir_info.device_memory).
 */
struct devmir_policy {
	uint32_t struct_size;
	uint32_t fault_batch;
	uint64_t fault_window;
	enum devmir_migmode migrate_mode;
	uint32_t migrate_threshold;
	uint64_t ram_window;
	uint32_t thrash_rounds;
	uint32_t thrash_hold_ms;
};

/**
 * enum devmir_page_state - Where a page's mirror entry points.
 * @DEVMIR_PAGE_UNMAPPED: No mirror entry: a device access faults.
 * @DEVMIR_PAGE_READ_ONLY: System memory, the device may only read.
 * @DEVMIR_PAGE_READ_WRITE: System memory, the device may read and write.
 * @DEVMIR_PAGE_DEVICE: Mapped from this device's private memory.
 * @DEVMIR_PAGE_REMOTE: In another device's private memory, so not mapped
 *	by this device: its first access migrates the page.
 */
enum devmir_page_state {
	DEVMIR_PAGE_UNMAPPED,
	DEVMIR_PAGE_READ_ONLY,
	DEVMIR_PAGE_READ_WRITE,
	DEVMIR_PAGE_DEVICE,
	DEVMIR_PAGE_REMOTE,
};

#define DEVMIR_PAGE_STATES 5

/**
 * struct devmir_page - One page of a snapshot, decoded.
 * @state: Where the entry points.
 * @writable: The device may write (also for device memory).
 * @exclusive: The device holds exclusive (atomic) access.
 * @level: Level of the leaf that maps the page (level 0 = leaf, 1 = 2 MiB,
 *	2 = 1 GiB on the x86-64 format); 0 when unmapped.
 * @leaf_size: Bytes the leaf maps (4096 << 9 * @level on x86-64); 0 when
 *	unmapped.
 */
struct devmir_page {
	enum devmir_page_state state;
	bool writable;
	bool exclusive;
	unsigned int level;
	uint64_t leaf_size;
};

/**
 * enum devmir_stats_scope - Whose statistics.
 * @DEVMIR_STATS_MIRROR: The calling process's mirror on the device.
 * @DEVMIR_STATS_DEVICE: The whole device: counters of every mirror it has
 *	had, table figures of the live ones.
 */
enum devmir_stats_scope {
	DEVMIR_STATS_MIRROR,
	DEVMIR_STATS_DEVICE,
};

/**
 * struct devmir_stat_field - One statistic the device reports.
 * @name: Its name, as the device reports it: "faults", "inv_unmap",
 *	"tlb_misses", "table_entries_l0", ... (lower-case letters, digits and
 *	'_'). The set depends on the device and its driver; use names, never
 *	positions, across devices.
 * @description: One line for humans; "" for a name this library does not
 *	know (a counter added by a newer driver is reported all the same).
 * @counter: True for a counter (counts since the last devmir_reset_stats()
 *	of the same scope; devmir_stat_delta() subtracts it), false for a
 *	gauge that describes the present.
 * @driver: True for a counter the device's driver registered (TLB, walker,
 *	fault queue ...), false for one of the devmirror framework.
 */
struct devmir_stat_field {
	const char *name;
	const char *description;
	bool counter;
	bool driver;
};

/*
 * Buckets of a latency histogram: bucket i counts latencies of 2^i to
 * 2^(i+1) - 1 ns (bucket 0 also 0 ns), the last one everything from 2^31 ns
 * (2.1 s) on.
 */
#define DEVMIR_LATENCY_BUCKETS 32

/**
 * struct devmir_latency - One latency histogram of the device (since 3.1).
 * @name: Its name: "fault_4k", "fault_64k", "fault_2m" (device faults
 *	serviced, by how much they mapped: 4 KiB, up to 64 KiB, up to 2 MiB);
 *	"to_device_4k", "to_device_64k", "to_device_2m", "to_system_4k",
 *	"to_system_64k", "to_system_2m" (migration windows by direction and
 *	size; CPU faults on device pages count as "to_system_*");
 *	"invalidate" (invalidations the mirror applied, device TLB shootdown
 *	included). A newer driver may add names.
 * @count: Samples since the last devmir_reset_stats() of the scope.
 * @sum_ns: Their sum, nanoseconds.
 * @max_ns: The largest sample, nanoseconds.
 * @buckets: Samples per log2 bucket of nanoseconds (%DEVMIR_LATENCY_BUCKETS);
 *	they add up to @count.
 */
struct devmir_latency {
	char name[32];
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	uint64_t buckets[DEVMIR_LATENCY_BUCKETS];
};

/**
 * devmir_version() - Version of the library.
 *
 * Context: Any.
 * Return: "MAJOR.MINOR.PATCH" of the library actually loaded.
 */
const char *devmir_version(void);

/**
 * devmir_version_number() - Version of the library, as a number.
 *
 * Compare with DEVMIR_VERSION_NUM(): the header a program was compiled
 * with is %DEVMIR_VERSION, the library it runs with answers here.
 *
 * Context: Any.
 * Return: DEVMIR_VERSION_NUM(MAJOR, MINOR, PATCH) of the library actually
 * loaded.
 */
unsigned int devmir_version_number(void);

/**
 * devmir_strerror() - Describe a negative errno returned by this library.
 * @err: A negative errno (a positive one is accepted too).
 *
 * The text is phrased for devmirror: -ENODEV says that no usable device was
 * found or that it went away, -EBADF that the handle belongs to another
 * process, and so on.
 *
 * Context: Any; thread-safe.
 * Return: A static string, never NULL.
 */
const char *devmir_strerror(int err);

/**
 * devmir_last_error() - Details of the calling thread's last failure.
 *
 * Discovery and open failures record what exactly went wrong (e.g. "found
 * /dev/dri/renderD128 but it speaks ABI 2, this library speaks 1").
 *
 * Context: Any; the message is per thread.
 * Return: The message, or "" when nothing failed yet in this thread. Valid
 * until the thread's next libdevmirror call.
 */
const char *devmir_last_error(void);

/**
 * devmir_enumerate() - List the devmirror devices.
 * @list: Array of @max entries to fill, sorted by index; may be NULL if
 *	@max is 0.
 * @max: Entries of @list.
 * @entry_size: sizeof(struct devmir_enum_entry) as the caller compiled it.
 *
 * Finds every DRM render node whose driver name is "devmirror" with
 * drmGetDevices2() and asks each for its index and ABI version. Devices
 * whose ABI differs from %DEVMIR_ABI_VERSION are listed with @usable false.
 *
 * Context: Process context; opens and closes each render node.
 * Return: The number of devices found (which may exceed @max; only
 * @max are stored), 0 when there is none (devmir_last_error() says why:
 * no DRM render node, or none of driver "devmirror"), or a negative errno:
 * -EINVAL: @list is NULL while @max is not 0, or @entry_size is smaller
 * than the first version of the structure.
 * -EACCES: Render nodes exist but none could be opened for lack of
 * permission (the "render" group) and none was found a devmirror device.
 * -ENOMEM: Out of memory.
 * -EIO: libdrm could not read the DRM devices in sysfs (drmGetDevices2()'s
 * own negative errno is passed on as it is).
 */
int devmir_enumerate(struct devmir_enum_entry *list, unsigned int max,
		     size_t entry_size);

/**
 * devmir_open() - Open the devmirror device with index @index.
 * @index: The device index (&devmir_enum_entry.index).
 * @devp: Receives the handle; untouched on failure.
 *
 * Context: Process context. Pair with devmir_close().
 * Return: 0, or a negative errno (devmir_last_error() says more):
 * -EINVAL: @devp is NULL.
 * -ENODEV: No devmirror device has that index: no DRM render node of
 * driver "devmirror" (the module is not loaded), or the device speaks
 * another ABI version.
 * -EACCES: The calling user may not open the render node: it belongs
 * to the "render" group (ls -l /dev/dri), which the user must be in.
 * -EPERM: A security module or seccomp filter refused the open().
 * -ENOENT: The node does not exist (or vanished).
 * -ENXIO: The node's device is not present (minor without a driver).
 * -EMFILE: The process has no free file descriptor.
 * -ENFILE: The system has no free file.
 * -EPROTO: The device's statistics description is malformed.
 * -ENOMEM: The kernel or the library ran out of memory.
 * -EIO: As devmir_enumerate().
 */
int devmir_open(unsigned int index, struct devmir_dev **devp);

/**
 * devmir_open_path() - Open a devmirror device by render-node path.
 * @path: The path, e.g. "/dev/dri/renderD128".
 * @devp: Receives the handle; untouched on failure.
 *
 * Context: Process context. Pair with devmir_close().
 * Return: 0, or a negative errno (devmir_last_error() says more):
 * -EINVAL: @path or @devp is NULL, or @path is %DEVMIR_PATH_MAX bytes or
 * longer.
 * -ENODEV: @path is not a DRM device, not one of driver "devmirror", or
 * speaks another ABI version; or the module is still loading.
 * -EACCES: The calling user may not open the render node: it belongs
 * to the "render" group (ls -l /dev/dri), which the user must be in.
 * -EPERM: A security module or seccomp filter refused the open().
 * -ENOENT: The node does not exist (or vanished).
 * -ENXIO: The node's device is not present (minor without a driver).
 * -EMFILE: The process has no free file descriptor.
 * -ENFILE: The system has no free file.
 * -ENOTDIR: A component of @path is not a directory.
 * -ELOOP: Too many symbolic links in @path.
 * -EISDIR: @path is a directory.
 * -EPROTO: The device's statistics description is malformed.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_open_path(const char *path, struct devmir_dev **devp);

/**
 * devmir_close() - Close a handle.
 * @dev: The handle, or NULL (nothing happens).
 *
 * Context: No other call on @dev may be running or follow.
 */
void devmir_close(struct devmir_dev *dev);

/**
 * devmir_fd() - File descriptor of a handle.
 * @dev: The handle.
 *
 * For poll() or raw ioctls; the handle keeps ownership: do not close it.
 *
 * Context: Any.
 * Return: The descriptor.
 */
int devmir_fd(const struct devmir_dev *dev);

/**
 * devmir_path() - Render-node path of a handle.
 * @dev: The handle.
 *
 * Context: Any.
 * Return: The path, valid until devmir_close().
 */
const char *devmir_path(const struct devmir_dev *dev);

/**
 * devmir_index() - Device index of a handle.
 * @dev: The handle.
 *
 * Context: Any.
 * Return: &devmir_info.index of the device.
 */
unsigned int devmir_index(const struct devmir_dev *dev);

/**
 * devmir_device_numa_node() - NUMA node a device is attached to.
 * @dev: The handle.
 * @node: Receives the node number, or -1 when sysfs reports no affinity.
 *
 * Reads the numa_node attribute of the render node's parent device in
 * sysfs (/sys/dev/char/MAJOR:MINOR/device/numa_node). An absent attribute
 * and the value -1 both mean "no affinity".
 *
 * Context: Process context.
 * Return: 0, or -EINVAL when an argument is NULL.
 */
int devmir_device_numa_node(const struct devmir_dev *dev, int *node);

/**
 * devmir_get_info() - Ask the device about itself.
 * @dev: The handle.
 * @info: Receives the answer.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL.
 * -EINVAL: @info->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_get_info(struct devmir_dev *dev, struct devmir_info *info);

/**
 * devmir_access() - Run one device access on process memory.
 * @dev: The handle.
 * @acc: The access; its (out) fields are set on success and on failure.
 *
 * A READ or WRITE larger than %DEVMIR_ACCESS_MAX is split into several
 * device commands; &devmir_access.faults then sums them.
 *
 * Context: Process context of the opener; sleeps while the device faults.
 * Return: 0, or a negative errno (the (out) members are set either way):
 * -EINVAL: A bad argument, checked before any ioctl: size 0 or not 8 for
 * an atomic, a misaligned atomic address, an engine at or above
 * &devmir_info.engines, an unknown op or flag, a NULL buffer for READ or
 * WRITE or a non-NULL one for an atomic, a range that wraps.
 * -EINVAL: @acc->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 * -E2BIG: @acc->struct_size is larger than this library's structure and a
 * member this library does not know is set (the program needs a newer
 * library).
 * -EFAULT: Part of the range cannot be mirrored: unmapped, PROT_NONE,
 * VM_IO/VM_PFNMAP, read-only for a write, or a fault the CPU cannot
 * resolve either (past the end of a file); with %DEVMIR_ACCESS_NOFAULT, a
 * translation missed; or the buffer is unusable. Earlier device
 * transactions of the access may have completed.
 * -EBUSY: Invalidations kept winning the race with the device's faults
 * (for a second, or 16 fault-and-replay rounds): retry.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_access(struct devmir_dev *dev, struct devmir_access *acc);

/**
 * devmir_read() - The device reads process memory.
 * @dev: The handle.
 * @addr: Process address of the first byte.
 * @buf: Receives @size bytes.
 * @size: Bytes, at least 1.
 * @faults: If not NULL, receives the device faults raised.
 *
 * Context: Process context of the opener; engine 0.
 * Return: 0, or a negative errno:
 * -EINVAL: @size is 0, @buf is NULL, or the range wraps.
 * -EFAULT: Part of the range cannot be mirrored: unmapped, PROT_NONE,
 * VM_IO/VM_PFNMAP, read-only for a write, or a fault the CPU cannot
 * resolve either (past the end of a file); with %DEVMIR_ACCESS_NOFAULT, a
 * translation missed; or the buffer is unusable. Earlier device
 * transactions of the access may have completed.
 * -EBUSY: Invalidations kept winning the race with the device's faults
 * (for a second, or 16 fault-and-replay rounds): retry.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_read(struct devmir_dev *dev, const void *addr, void *buf,
		size_t size, uint64_t *faults);

/**
 * devmir_write() - The device writes process memory.
 * @dev: The handle.
 * @addr: Process address of the first byte.
 * @buf: The @size bytes to write.
 * @size: Bytes, at least 1.
 * @faults: If not NULL, receives the device faults raised.
 *
 * Context: Process context of the opener; engine 0.
 * Return: 0, or a negative errno:
 * -EINVAL: @size is 0, @buf is NULL, or the range wraps.
 * -EFAULT: Part of the range cannot be mirrored: unmapped, PROT_NONE,
 * VM_IO/VM_PFNMAP, read-only for a write, or a fault the CPU cannot
 * resolve either (past the end of a file); with %DEVMIR_ACCESS_NOFAULT, a
 * translation missed; or the buffer is unusable. Earlier device
 * transactions of the access may have completed.
 * -EBUSY: Invalidations kept winning the race with the device's faults
 * (for a second, or 16 fault-and-replay rounds): retry.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_write(struct devmir_dev *dev, void *addr, const void *buf,
		 size_t size, uint64_t *faults);

/**
 * devmir_atomic_add() - The device adds to a 64-bit word atomically.
 * @dev: The handle.
 * @addr: 8-byte aligned process address.
 * @addend: Value to add.
 * @old: If not NULL, receives the value before the addition.
 *
 * Context: Process context of the opener; engine 0.
 * Return: 0, or a negative errno:
 * -EINVAL: @addr is not 8-byte aligned.
 * -EFAULT: Part of the range cannot be mirrored: unmapped, PROT_NONE,
 * VM_IO/VM_PFNMAP, read-only for a write, or a fault the CPU cannot
 * resolve either (past the end of a file); with %DEVMIR_ACCESS_NOFAULT, a
 * translation missed; or the buffer is unusable. Earlier device
 * transactions of the access may have completed.
 * -EBUSY: Invalidations kept winning the race with the device's faults
 * (for a second, or 16 fault-and-replay rounds): retry.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_atomic_add(struct devmir_dev *dev, uint64_t *addr, uint64_t addend,
		      uint64_t *old);

/**
 * devmir_atomic_cmpxchg() - The device compares and exchanges a 64-bit word.
 * @dev: The handle.
 * @addr: 8-byte aligned process address.
 * @expected: The value @addr must hold for the exchange to happen.
 * @desired: The value stored if it does.
 * @old: If not NULL, receives the value before the operation (equal to
 *	@expected exactly when the exchange happened).
 *
 * Context: Process context of the opener; engine 0.
 * Return: 0, or a negative errno:
 * -EINVAL: @addr is not 8-byte aligned.
 * -EFAULT: Part of the range cannot be mirrored: unmapped, PROT_NONE,
 * VM_IO/VM_PFNMAP, read-only for a write, or a fault the CPU cannot
 * resolve either (past the end of a file); with %DEVMIR_ACCESS_NOFAULT, a
 * translation missed; or the buffer is unusable. Earlier device
 * transactions of the access may have completed.
 * -EBUSY: Invalidations kept winning the race with the device's faults
 * (for a second, or 16 fault-and-replay rounds): retry.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_atomic_cmpxchg(struct devmir_dev *dev, uint64_t *addr,
			  uint64_t expected, uint64_t desired, uint64_t *old);

/**
 * devmir_get_policy() - Read the fault policy of the caller's mirror.
 * @dev: The handle.
 * @policy: Receives the policy.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL.
 * -EINVAL: @policy->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_get_policy(struct devmir_dev *dev, struct devmir_policy *policy);

/**
 * devmir_set_policy() - Change the fault policy of the caller's mirror.
 * @dev: The handle.
 * @fields: Non-empty set of ``DEVMIR_POLICY_*``: the members of @policy to
 *	apply; the others are ignored.
 * @policy: The new values.
 *
 * Context: Process context of the opener. Every handle of this process on
 * the device sees the change.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL; @fields is empty or has unknown bits; a
 * window that is not a power of two from &devmir_info.window_min to
 * &devmir_info.window_max (0, adaptive, for the fault window); a batch of
 * 0 or above &devmir_info.fault_queue_entries; an unknown migrate mode; a
 * threshold of 0 or above 1024 for %DEVMIR_MIGMODE_THRESHOLD, or not 0 for
 * the other modes.
 * -EINVAL: @policy->struct_size is smaller than the first version of the
 * structure or larger than any structure could be (not initialised: use
 * DEVMIR_INIT()).
 * -E2BIG: @policy->struct_size is larger than this library's structure and
 * a member this library does not know is set (the program needs a newer
 * library).
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_set_policy(struct devmir_dev *dev, unsigned int fields,
		      const struct devmir_policy *policy);

/* &devmir_advice.fields: the attributes a range sets (device ABI 3). */
#define DEVMIR_ADVISE_PREFERRED (1U << 0) /* preferred */
#define DEVMIR_ADVISE_ACCESSED_BY (1U << 1) /* accessed_by */
#define DEVMIR_ADVISE_GRANULARITY (1U << 2) /* granularity */
#define DEVMIR_ADVISE_FAULT_WINDOW (1U << 3) /* fault_window */
#define DEVMIR_ADVISE_THRASH (1U << 4) /* thrash_rounds, thrash_hold_ms */
#define DEVMIR_ADVISE_ALL 0x1fU

/* Attribute ranges one mirror holds at most. */
#define DEVMIR_ADVISE_RANGES_MAX 4096

/**
 * enum devmir_prefer - &devmir_advice.preferred: where a range's pages live.
 * @DEVMIR_PREFER_SYSTEM: System memory: a device fault never migrates the
 *	range, whatever the migrate mode.
 * @DEVMIR_PREFER_DEVICE: This device's memory: a device fault migrates the
 *	range (by its granularity, or the fault window) first, even when the
 *	migrate mode is off.
 */
enum devmir_prefer {
	DEVMIR_PREFER_SYSTEM = 0,
	DEVMIR_PREFER_DEVICE = 1,
};

/**
 * struct devmir_advice - Attributes of an address range (devmir_advise()).
 * @struct_size: sizeof(struct devmir_advice) as the caller compiled it.
 * @fields: ``DEVMIR_ADVISE_*``: the members set; the mirror's policy
 *	applies for the others. Members outside @fields must be 0.
 * @preferred: &enum devmir_prefer.
 * @accessed_by: 1: the device maps the range where it is and a device
 *	fault never migrates it (wins over @preferred).
 * @thrash_rounds: As &devmir_policy.thrash_rounds, for the range.
 * @thrash_hold_ms: As &devmir_policy.thrash_hold_ms, for the range.
 * @granularity: Bytes one migration of the range moves (to the device on
 *	a device fault, back on a CPU fault): a power of two from
 *	&devmir_info.window_min to &devmir_info.window_max.
 * @fault_window: As &devmir_policy.fault_window, for the range (0:
 *	adaptive).
 */
struct devmir_advice {
	uint32_t struct_size;
	uint32_t fields;
	uint32_t preferred;
	uint32_t accessed_by;
	uint32_t thrash_rounds;
	uint32_t thrash_hold_ms;
	uint64_t granularity;
	uint64_t fault_window;
};

/**
 * struct devmir_advice_range - One attribute range (devmir_advise_query()).
 * @addr: First address.
 * @size: Bytes.
 * @fields: ``DEVMIR_ADVISE_*``: the members set.
 * @preferred: &enum devmir_prefer.
 * @accessed_by: 0 or 1.
 * @thrash_rounds: Round trips that make a region thrashing.
 * @thrash_hold_ms: First hold of a thrashing region.
 * @pad: Zero.
 * @granularity: Bytes one migration moves.
 * @fault_window: Fault-ahead window (0: adaptive).
 */
struct devmir_advice_range {
	uint64_t addr;
	uint64_t size;
	uint32_t fields;
	uint32_t preferred;
	uint32_t accessed_by;
	uint32_t thrash_rounds;
	uint32_t thrash_hold_ms;
	uint32_t pad;
	uint64_t granularity;
	uint64_t fault_window;
};

/**
 * devmir_advise() - Set attributes of an address range of the caller's
 * mirror.
 * @dev: The handle.
 * @addr: Page-aligned first address.
 * @size: Bytes, a non-zero multiple of 4096.
 * @advice: The members to set (@advice->fields) and their values.
 *
 * Ranges set before are split where [@addr, @addr + @size) cuts them and
 * neighbours left equal merge; memory need not be mapped there. munmap()
 * drops the attributes of what it unmaps, mremap() those of what it
 * moves; a child of fork() opening the device starts with its parent's
 * over the mappings it inherited. See libdevmirror(3), "Range attributes".
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL; @addr or @size misaligned, @size 0, the
 * range wraps or passes the end of the device's address space; @fields
 * empty or with unknown bits; a member outside @fields not 0; a value out
 * of bounds (those of devmir_set_policy(); @preferred not an
 * &enum devmir_prefer; @accessed_by not 0 or 1); @advice->struct_size
 * not initialised.
 * -E2BIG: @advice is larger than this library's structure and sets a
 * member this library does not know.
 * -ENOSPC: The mirror would hold more than %DEVMIR_ADVISE_RANGES_MAX
 * ranges; nothing changed.
 * -EOPNOTSUPP: The device speaks ABI 2 (no range attributes).
 * -EBADF: The handle was opened by another process: open one of its own.
 * -ENODEV: The device is gone.
 * -ENOMEM: The kernel ran out of memory.
 */
int devmir_advise(struct devmir_dev *dev, const void *addr, size_t size,
		  const struct devmir_advice *advice);

/**
 * devmir_unadvise() - Clear attributes of an address range.
 * @dev: The handle.
 * @addr: Page-aligned first address.
 * @size: Bytes, a non-zero multiple of 4096.
 * @fields: ``DEVMIR_ADVISE_*``: the attributes to clear (back to the
 *	mirror's policy); pieces left with none are dropped.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: @dev NULL; @addr or @size misaligned, @size 0, the range wraps
 * or passes the end of the device's address space; @fields empty or with
 * unknown bits.
 * -ENOSPC: Clearing inside a range would split it past
 * %DEVMIR_ADVISE_RANGES_MAX ranges; nothing changed.
 * -EOPNOTSUPP: The device speaks ABI 2 (no range attributes).
 * -EBADF, -ENODEV, -ENOMEM: As devmir_advise().
 */
int devmir_unadvise(struct devmir_dev *dev, const void *addr, size_t size,
		    unsigned int fields);

/**
 * devmir_advise_query() - Read the attribute ranges overlapping a range.
 * @dev: The handle.
 * @addr: Page-aligned first address.
 * @size: Bytes, a non-zero multiple of 4096.
 * @ranges: Receives up to @max ranges, whole (not clipped), in address
 *	order; may be NULL when @max is 0.
 * @max: Room at @ranges, 0..%DEVMIR_ADVISE_RANGES_MAX.
 * @entry_size: sizeof(struct devmir_advice_range) as the caller compiled it.
 * @count: Receives the number of overlapping ranges (may exceed @max).
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno: -EINVAL for a bad argument (as
 * devmir_advise(), @count NULL, @ranges NULL with @max, @max too large,
 * @entry_size too small); -EOPNOTSUPP on an ABI 2 device; -EBADF;
 * -ENODEV; -ENOMEM.
 */
int devmir_advise_query(struct devmir_dev *dev, const void *addr, size_t size,
			struct devmir_advice_range *ranges, size_t max,
			size_t entry_size, size_t *count);

/**
 * devmir_snapshot() - Read and decode the mirror entries of a range.
 * @dev: The handle.
 * @addr: Page-aligned process address of the first page.
 * @npages: Number of 4 KiB pages, at least 1. Any count is accepted: the
 *	library splits the range into device-sized pieces.
 * @pages: Receives @npages decoded entries.
 * @entry_size: sizeof(struct devmir_page) as the caller compiled it.
 * @mapped: If not NULL, receives the number of pages with an entry.
 *
 * Reports what the device's mirror holds, not the CPU page tables, and
 * never faults anything in.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: @addr is not page-aligned, @npages is 0, @pages is NULL, the
 * range wraps, or @entry_size is smaller than the first version of the
 * structure.
 * -EFAULT: The range lies above the user address space.
 * -EBUSY: Invalidations kept racing the read of a peer device's pages for
 * a second: retry.
 * -EPROTO: The device returned an entry this library cannot decode.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_snapshot(struct devmir_dev *dev, const void *addr, size_t npages,
		    struct devmir_page *pages, size_t entry_size,
		    size_t *mapped);

/**
 * devmir_mem_kind_name() - Name of a kind of device memory.
 * @kind: The kind (&devmir_info.memory_kind).
 *
 * Context: Any.
 * Return: "private" or "coherent"; "invalid" for a value outside the enum.
 */
const char *devmir_mem_kind_name(enum devmir_mem_kind kind);

/**
 * devmir_page_state_name() - Name of a page state.
 * @state: The state.
 *
 * Context: Any.
 * Return: "unmapped", "read-only", "read-write", "device" or "remote";
 * "invalid" for a value outside the enum.
 */
const char *devmir_page_state_name(enum devmir_page_state state);

/**
 * devmir_stat_fields() - The statistics a device reports.
 * @dev: The handle.
 * @fields: If not NULL, receives the array of *@count descriptions, valid
 *	until devmir_close().
 * @count: If not NULL, receives the number of statistics.
 *
 * The primary interface to statistics: the device describes them itself
 * (DRM_IOCTL_DEVMIR_QUERY), so a counter a newer driver adds appears here
 * without a new library. The order is that of the values
 * devmir_stat_read() returns, fixed for the device's lifetime.
 *
 * Context: Any; reads what devmir_open() queried.
 * Return: 0, or -EINVAL for a NULL @dev.
 */
int devmir_stat_fields(const struct devmir_dev *dev,
		       const struct devmir_stat_field **fields,
		       unsigned int *count);

/**
 * devmir_stat_find() - Position of a statistic.
 * @dev: The handle.
 * @name: Its name.
 *
 * Context: Any.
 * Return: The index in devmir_stat_fields(), or a negative errno:
 * -ENOENT: The device reports no statistic of that name.
 * -EINVAL: An argument is NULL.
 */
int devmir_stat_find(const struct devmir_dev *dev, const char *name);

/**
 * devmir_stat_read() - Read every statistic.
 * @dev: The handle.
 * @scope: The caller's mirror or the whole device.
 * @values: Receives the values, value i described by field i of
 *	devmir_stat_fields().
 * @count: Entries of @values, at least the field count.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: An argument is NULL, @scope is unknown, or @count is below the
 * field count.
 * -EPROTO: The device answered with another count than it described.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_stat_read(struct devmir_dev *dev, enum devmir_stats_scope scope,
		     uint64_t *values, unsigned int count);

/**
 * devmir_stat_value() - One value of a reading, by name.
 * @dev: The handle the reading came from.
 * @values: The reading (devmir_stat_read()).
 * @name: The statistic.
 *
 * Context: Any.
 * Return: The value; 0 if the device has no statistic of that name (tell
 * the two apart with devmir_stat_find()).
 */
uint64_t devmir_stat_value(const struct devmir_dev *dev, const uint64_t *values,
			   const char *name);

/**
 * devmir_stat_delta() - What happened between two readings.
 * @dev: The handle the readings came from.
 * @delta: Receives @after - @before for every counter and @after's value
 *	for every gauge; the field count of entries.
 * @after: The later reading.
 * @before: The earlier reading.
 *
 * A counter that went backwards (reset in between) yields @after's value.
 * @delta may alias @after or @before.
 *
 * Context: Any.
 */
void devmir_stat_delta(const struct devmir_dev *dev, uint64_t *delta,
		       const uint64_t *after, const uint64_t *before);

/**
 * devmir_latency_read() - Read the latency histograms (since 3.1).
 * @dev: The handle.
 * @scope: The caller's mirror or the whole device.
 * @hists: Receives up to @max histograms, in the device's order (the same
 *	at every call).
 * @max: Entries of @hists; 0 only asks how many there are.
 * @entry_size: sizeof(struct devmir_latency) as the caller compiled it.
 * @count: If not NULL, receives how many histograms the device reports
 *	(more than @max: the rest was not stored).
 *
 * The device times its work as it does it (devmirror's DOC: Latency
 * histograms); devmir_reset_stats() of the scope zeroes the histograms
 * with the counters.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: @dev is NULL, @scope is unknown, @hists is NULL with @max not
 * 0, or @entry_size is smaller than the first version of the structure.
 * -EOPNOTSUPP: The device's driver keeps no histograms (older than them).
 * -EPROTO: The device answered with a malformed histogram list.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_latency_read(struct devmir_dev *dev, enum devmir_stats_scope scope,
			struct devmir_latency *hists, unsigned int max,
			size_t entry_size, unsigned int *count);

/**
 * devmir_latency_quantile() - A quantile of a latency histogram (since 3.1).
 * @hist: The histogram.
 * @q: The quantile, 0 to 1 (0.5: the median, 0.99: the 99th percentile).
 *
 * The histogram keeps log2 buckets, so the answer is an upper bound: the
 * top of the bucket the quantile falls in, never above the largest sample.
 *
 * Context: Any.
 * Return: Nanoseconds; 0 for an empty histogram, a NULL @hist or @q out of
 * range.
 */
uint64_t devmir_latency_quantile(const struct devmir_latency *hist, double q);

/**
 * devmir_reset_stats() - Zero the counters of a scope.
 * @dev: The handle.
 * @scope: The caller's mirror or the whole device.
 *
 * Gauges (the table and device memory as they are now) are not counters
 * and stay.
 *
 * Context: Process context of the opener.
 * Return: 0, or a negative errno:
 * -EINVAL: @dev is NULL or @scope is unknown.
 * -EBADF: The handle was opened by another process (the child of a
 * fork(), a descriptor passed over a socket): open one of its own.
 * -ENODEV: The device is gone (module unloaded, device removed) or the
 * process's address space is being torn down.
 * -ENOMEM: The kernel or the library ran out of memory.
 */
int devmir_reset_stats(struct devmir_dev *dev, enum devmir_stats_scope scope);

#ifdef __cplusplus
}
#endif

/* Migration between system and device memory. */
#include "libdevmirror_migrate.h"
/* Recording device calls into traces, and reading traces (since 3.2). */
#include "libdevmirror_trace.h"

#endif /* _LIBDEVMIRROR_H */
