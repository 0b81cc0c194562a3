// SPDX-License-Identifier: MIT
/*
 * discover.c - finding and opening devmirror devices through libdrm.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

#include "trace.h"

/**
 * DOC: Overview
 *
 * Devices are found the way libdrm users find GPUs: drmGetDevices2() lists
 * the DRM devices, each render node is opened and asked for its driver name
 * (drmGetVersion()); "devmirror" nodes are then asked for GET_INFO, whose
 * device index is the name users open them by and whose ABI version must
 * be the one this library was built for. Render nodes that drmGetDevices2()
 * folds into another device (platform devices that share a bus id) are
 * added from the sysfs "drm" class, named by libdrm's path macros: nothing
 * here hard-codes a /dev path.
 *
 * Failures say why in devmir_last_error(): no DRM device at all, DRM
 * devices but none of driver "devmirror" (the module is not loaded), or a
 * devmirror device with another ABI version. All three are -ENODEV to the
 * caller, as for a device that disappears.
 */

/* What discovery failures say (devmir_last_error()). */
#define DEVMIR_HINT_MODULE "(is the devmirror_sim module loaded?)"
#define DEVMIR_MSG_NO_INFO \
	"%s: devmirror driver %d.%d.%d does not answer GET_INFO of ABI %d: %s"
#define DEVMIR_MSG_NONE_OURS "%d DRM render node(s), none of driver \"%s\" %s"
#define DEVMIR_MSG_NO_INDEX \
	"no devmirror device %u (%d device(s), indexes %u..%u)"
#define DEVMIR_MSG_INDEX_ABI \
	"devmirror device %u (%s) speaks ABI %u, this library speaks %d"
/* clang-format off */
#define DEVMIR_MSG_RENDER_GROUP \
	"render nodes belong to the \"render\" group: add the user to it"
#define DEVMIR_MSG_DENIED \
	"%s: permission denied, and no other render node is a devmirror device (" \
	DEVMIR_MSG_RENDER_GROUP ")"
#define DEVMIR_MSG_OPEN_DENIED "%s: %s (" DEVMIR_MSG_RENDER_GROUP ")"
/* clang-format on */
#define DEVMIR_MSG_PATH_ABI "%s speaks devmirror ABI %u, this library speaks %d"

/* What one render node turned out to be. */
struct devmir_probe {
	struct devmir_enum_entry desc;
	struct devmir_info info;
};

int devmir_sysfs_numa_node(dev_t rdev)
{
	char path[96], buf[32], *end;
	ssize_t n;
	long node;
	int fd;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/numa_node",
		 major(rdev), minor(rdev));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	node = strtol(buf, &end, 10);
	if (errno || end == buf || node < 0 || node > INT_MAX)
		return -1;
	return node;
}

/*
 * Identify the render node @fd (opened from @path): 0 and @probe filled if
 * it is a devmirror device (of any ABI version), -ENODEV otherwise.
 */
static int devmir_identify(int fd, const char *path, struct devmir_probe *probe)
{
	struct drm_devmir_get_info raw;
	drmVersionPtr ver;
	struct stat st;
	int ret;

	memset(probe, 0, sizeof(*probe));
	ver = drmGetVersion(fd);
	if (!ver)
		return devmir_set_error(-ENODEV, "%s: not a DRM device", path);
	if (!ver->name || strcmp(ver->name, DEVMIR_DRIVER_NAME)) {
		ret = devmir_set_error(-ENODEV,
				       "%s: DRM driver \"%s\", not \"%s\"",
				       path, ver->name ? ver->name : "",
				       DEVMIR_DRIVER_NAME);
		drmFreeVersion(ver);
		return ret;
	}
	probe->desc.drv_major = ver->version_major;
	probe->desc.drv_minor = ver->version_minor;
	probe->desc.drv_patchlevel = ver->version_patchlevel;
	drmFreeVersion(ver);

	memset(&raw, 0, sizeof(raw));
	ret = devmir_ioctl(fd, DRM_IOCTL_DEVMIR_GET_INFO, &raw);
	if (ret == -ENOTTY || ret == -EINVAL)
		return devmir_set_error(-ENODEV, DEVMIR_MSG_NO_INFO, path,
					probe->desc.drv_major,
					probe->desc.drv_minor,
					probe->desc.drv_patchlevel,
					DEVMIR_ABI_VERSION, strerror(-ret));
	if (ret)
		return devmir_set_error(ret, "%s: GET_INFO: %s", path,
					strerror(-ret));
	devmir_decode_info(&probe->info, &raw);

	snprintf(probe->desc.path, sizeof(probe->desc.path), "%s", path);
	probe->desc.index = probe->info.index;
	probe->desc.abi_version = probe->info.abi_version;
	probe->desc.usable = probe->info.abi_version >= DEVMIR_ABI_VERSION_MIN &&
			     probe->info.abi_version <= DEVMIR_ABI_VERSION;
	probe->desc.numa_node = -1;
	if (!fstat(fd, &st) && S_ISCHR(st.st_mode))
		probe->desc.numa_node = devmir_sysfs_numa_node(st.st_rdev);
	return 0;
}

/* Open @path as a render node, -errno with the reason recorded. */
static int devmir_open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == EACCES)
		return devmir_set_error(-EACCES, DEVMIR_MSG_OPEN_DENIED, path,
					strerror(EACCES));
	if (fd < 0)
		return devmir_set_error(-errno, "%s: %s", path,
					strerror(errno));
	return fd;
}

static int devmir_probe_cmp(const void *a, const void *b)
{
	const struct devmir_probe *pa = a, *pb = b;

	if (pa->desc.index != pb->desc.index)
		return pa->desc.index < pb->desc.index ? -1 : 1;
	return strcmp(pa->desc.path, pb->desc.path);
}

/**
 * struct devmir_paths - Render-node paths to probe, without duplicates.
 * @path: The paths.
 * @n: How many.
 * @cap: Room in @path.
 */
struct devmir_paths {
	char (*path)[DEVMIR_PATH_MAX];
	int n;
	int cap;
};

static int devmir_paths_add(struct devmir_paths *p, const char *path)
{
	char(*grown)[DEVMIR_PATH_MAX];
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->path[i], path))
			return 0;
	if (p->n == p->cap) {
		grown = realloc(p->path, (p->cap + 8) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->path = grown;
		p->cap += 8;
	}
	snprintf(p->path[p->n++], DEVMIR_PATH_MAX, "%s", path);
	return 0;
}

/* The render nodes libdrm lists. */
static int devmir_paths_libdrm(struct devmir_paths *p)
{
	drmDevicePtr *devs;
	int ndevs, i, ret = 0;

	ndevs = drmGetDevices2(0, NULL, 0);
	if (ndevs == -ENOENT || ndevs == 0)
		return 0;
	if (ndevs < 0)
		return devmir_set_error(ndevs, "drmGetDevices2: %s",
					strerror(-ndevs));
	devs = calloc(ndevs, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	ndevs = drmGetDevices2(0, devs, ndevs);
	if (ndevs < 0) {
		free(devs);
		return devmir_set_error(ndevs, "drmGetDevices2: %s",
					strerror(-ndevs));
	}
	for (i = 0; i < ndevs && !ret; i++)
		if (devs[i]->available_nodes & (1 << DRM_NODE_RENDER))
			ret = devmir_paths_add(p,
					       devs[i]->nodes[DRM_NODE_RENDER]);
	drmFreeDevices(devs, ndevs);
	free(devs);
	return ret;
}

/*
 * The render nodes of the "drm" device class that libdrm folded away:
 * drmGetDevices2() takes devices with equal bus information for nodes of
 * one device, and platform devices without firmware (OF) data all have the
 * bus information of their driver's name, so that every simulated device
 * after the first would be lost. The paths are libdrm's own.
 */
static int devmir_paths_folded(struct devmir_paths *p)
{
	char path[DEVMIR_PATH_MAX];
	struct dirent *de;
	unsigned int minor;
	int ret = 0;
	DIR *dir;

	dir = opendir("/sys/class/drm");
	if (!dir)
		return 0;
	while (!ret && (de = readdir(dir))) {
		if (sscanf(de->d_name, DRM_RENDER_MINOR_NAME "%u", &minor) != 1)
			continue;
		snprintf(path, sizeof(path), DRM_RENDER_DEV_NAME, DRM_DIR_NAME,
			 minor);
		ret = devmir_paths_add(p, path);
	}
	closedir(dir);
	return ret;
}

/*
 * Probe every render node: *@probesp receives a sorted array of the
 * devmirror ones (free() it). Return: their number or -errno.
 */
static int devmir_scan(struct devmir_probe **probesp)
{
	struct devmir_paths paths = { 0 };
	struct devmir_probe *probes = NULL;
	int i, fd, n = 0, denied = -1, ret;

	*probesp = NULL;
	ret = devmir_paths_libdrm(&paths);
	if (!ret)
		ret = devmir_paths_folded(&paths);
	if (ret) {
		if (ret == -ENOMEM)
			devmir_set_error(ret, "out of memory");
		goto out;
	}
	if (!paths.n) {
		devmir_set_error(0, "no DRM render node on this system %s",
				 DEVMIR_HINT_MODULE);
		goto out;
	}

	probes = calloc(paths.n, sizeof(*probes));
	if (!probes) {
		ret = devmir_set_error(-ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < paths.n; i++) {
		fd = devmir_open_node(paths.path[i]);
		if (fd < 0) {
			if (fd == -EACCES && denied < 0)
				denied = i;
			continue;
		}
		if (!devmir_identify(fd, paths.path[i], &probes[n]))
			n++;
		close(fd);
	}
	qsort(probes, n, sizeof(*probes), devmir_probe_cmp);
	ret = n;
	/*
	 * A node the user may not open may be the device: say so rather
	 * than "none of driver devmirror".
	 */
	if (!n && denied >= 0) {
		free(probes);
		probes = NULL;
		ret = devmir_set_error(-EACCES, DEVMIR_MSG_DENIED,
				       paths.path[denied]);
	} else if (!n) {
		devmir_set_error(0, DEVMIR_MSG_NONE_OURS, paths.n,
				 DEVMIR_DRIVER_NAME, DEVMIR_HINT_MODULE);
	}
	*probesp = probes;
out:
	free(paths.path);
	return ret;
}

int devmir_enumerate(struct devmir_enum_entry *list, unsigned int max,
		     size_t entry_size)
{
	struct devmir_probe *probes;
	int n, i;

	if (max && !list)
		return devmir_set_error(-EINVAL, "%s: NULL list", __func__);
	if (max && (entry_size < DEVMIR_ENUM_SIZE_3_0 ||
		    entry_size > DEVMIR_STRUCT_SIZE_MAX))
		return devmir_set_error(-EINVAL, "%s: entry size %zu", __func__,
					entry_size);
	n = devmir_scan(&probes);
	if (n < 0)
		return n;
	for (i = 0; i < n && (unsigned int)i < max; i++)
		devmir_entry_out((char *)list + i * entry_size, entry_size,
				 &probes[i].desc, sizeof(probes[i].desc));
	free(probes);
	return n;
}

int devmir_open(unsigned int index, struct devmir_dev **devp)
{
	struct devmir_probe *probes, *found = NULL;
	char path[DEVMIR_PATH_MAX];
	int n, i;

	if (!devp)
		return devmir_set_error(-EINVAL, "%s: NULL devp", __func__);
	n = devmir_scan(&probes);
	if (n < 0)
		return n;
	if (!n)
		return -ENODEV; /* devmir_scan() said why */

	for (i = 0; i < n; i++) {
		if (probes[i].desc.index != index)
			continue;
		found = &probes[i];
		if (found->desc.usable)
			break;
	}
	if (!found) {
		devmir_set_error(-ENODEV, DEVMIR_MSG_NO_INDEX, index, n,
				 probes[0].desc.index,
				 probes[n - 1].desc.index);
		free(probes);
		return -ENODEV;
	}
	if (!found->desc.usable) {
		devmir_set_error(-ENODEV, DEVMIR_MSG_INDEX_ABI, index,
				 found->desc.path, found->desc.abi_version,
				 DEVMIR_ABI_VERSION);
		free(probes);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s", found->desc.path);
	free(probes);
	return devmir_open_path(path, devp);
}

int devmir_open_path(const char *path, struct devmir_dev **devp)
{
	struct devmir_probe probe;
	struct devmir_dev *dev;
	struct stat st;
	int fd, ret;

	if (!path || !devp)
		return devmir_set_error(-EINVAL, "%s: NULL argument", __func__);
	if (strlen(path) >= DEVMIR_PATH_MAX)
		return devmir_set_error(-EINVAL,
					"%s: path longer than %d bytes",
					__func__, DEVMIR_PATH_MAX - 1);

	fd = devmir_open_node(path);
	if (fd < 0)
		return fd;
	ret = devmir_identify(fd, path, &probe);
	if (ret)
		goto err_close;
	if (!probe.desc.usable) {
		ret = devmir_set_error(-ENODEV, DEVMIR_MSG_PATH_ABI, path,
				       probe.desc.abi_version,
				       DEVMIR_ABI_VERSION);
		goto err_close;
	}

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		ret = devmir_set_error(-ENOMEM, "out of memory");
		goto err_close;
	}
	dev->fd = fd;
	dev->rdev = !fstat(fd, &st) && S_ISCHR(st.st_mode) ? st.st_rdev : 0;
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	dev->info = probe.info;
	ret = devmir_stats_load(dev);
	if (ret) {
		ret = devmir_set_error(ret, "%s: cannot read its statistics: %s",
				       path, strerror(-ret));
		goto err_free;
	}
	devmir_record_from_env(dev);
	*devp = dev;
	return 0;

err_free:
	free(dev);
err_close:
	close(fd);
	return ret;
}

void devmir_close(struct devmir_dev *dev)
{
	if (!dev)
		return;
	dev->rec_trace = NULL;
	devmir_stats_unload(dev);
	close(dev->fd);
	free(dev);
}

int devmir_device_numa_node(const struct devmir_dev *dev, int *node)
{
	if (!dev || !node)
		return -EINVAL;
	*node = dev->rdev ? devmir_sysfs_numa_node(dev->rdev) : -1;
	return 0;
}

int devmir_fd(const struct devmir_dev *dev)
{
	return dev->fd;
}

const char *devmir_path(const struct devmir_dev *dev)
{
	return dev->path;
}

unsigned int devmir_index(const struct devmir_dev *dev)
{
	return dev->info.index;
}
