// SPDX-License-Identifier: MIT
/*
 * error.c - error messages: devmir_strerror() and the per-thread details
 * of the last failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define DEVMIR_ERRMSG_LEN 256

static __thread char devmir_errmsg[DEVMIR_ERRMSG_LEN];

int devmir_set_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(devmir_errmsg, sizeof(devmir_errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int devmir_prefix_error(int err, const char *prefix)
{
	char detail[DEVMIR_ERRMSG_LEN];

	snprintf(detail, sizeof(detail), "%s", devmir_errmsg);
	snprintf(devmir_errmsg, sizeof(devmir_errmsg), "%s%s", prefix, detail);
	return err;
}

const char *devmir_last_error(void)
{
	return devmir_errmsg;
}

const char *devmir_strerror(int err)
{
	const char *desc;

	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENODEV:
		return "no usable devmirror device (no module, no such device, other ABI)";
	case EBADF:
		return "the device handle belongs to another process (opened before fork?)";
	case EFAULT:
		return "memory the device cannot use (unmapped, PROT_NONE, read-only, bad buffer)";
	case EBUSY:
		return "invalidations kept racing the device access; try again";
	case EPROTO:
		return "the device answered something this library cannot decode";
	case EOPNOTSUPP:
		return "not supported here (memory that cannot migrate, or no NUMA support)";
	case EACCES:
	case EPERM:
		return "permission denied (render-node or page access)";
	}
	desc = strerrordesc_np(err);
	return desc ? desc : "unknown error";
}

#define DEVMIR_STR_(x) #x
#define DEVMIR_STR(x) DEVMIR_STR_(x)
#define DEVMIR_MAJOR_TEXT DEVMIR_STR(DEVMIR_VERSION_MAJOR)
#define DEVMIR_MINOR_TEXT DEVMIR_STR(DEVMIR_VERSION_MINOR)
#define DEVMIR_PATCH_TEXT DEVMIR_STR(DEVMIR_VERSION_PATCH)

const char *devmir_version(void)
{
	return DEVMIR_MAJOR_TEXT "." DEVMIR_MINOR_TEXT "." DEVMIR_PATCH_TEXT;
}

unsigned int devmir_version_number(void)
{
	return DEVMIR_VERSION;
}
