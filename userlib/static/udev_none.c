// SPDX-License-Identifier: MIT
/*
 * udev_none.c - the five libudev calls of Debian's libhwloc.a, for fully
 * static programs (Debian ships no libudev.a).
 *
 * hwloc asks udev only for properties of block devices, which libdevmirror
 * never requests (its topologies have no I/O objects). udev_new() failing
 * makes hwloc skip udev altogether, as on a system without udev. Linked
 * only into the static guest programs, never into the libraries; no header
 * declares these, so the file is built without -Wmissing-prototypes.
 */
#include <stddef.h>

struct udev;
struct udev_device;

struct udev *udev_new(void)
{
	return NULL;
}

struct udev *udev_unref(struct udev *udev)
{
	return NULL;
}

struct udev_device *
udev_device_new_from_subsystem_sysname(struct udev *udev, const char *subsystem,
				       const char *sysname)
{
	return NULL;
}

const char *udev_device_get_property_value(struct udev_device *dev,
					   const char *key)
{
	return NULL;
}

struct udev_device *udev_device_unref(struct udev_device *dev)
{
	return NULL;
}
