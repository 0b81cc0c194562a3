// SPDX-License-Identifier: GPL-2.0
/*
 * userlib_discovery - finding and opening devmirror devices through
 * libdevmirror (libdrm underneath), with devmirror_sim loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libdevmirror.h"
#include "libdevmirror_topo.h"

#define MAX_DEVS 16

/* Every device is listed once, sorted, usable, at a render node. */
TEST(discovery_enumerate_lists_every_device)
{
	struct devmir_enum_entry devs[MAX_DEVS];
	struct stat st;
	int n, i;

	n = devmir_enumerate(devs, MAX_DEVS, sizeof(devs[0]));
	ASSERT_LE(1, n) TH_LOG("%s", devmir_last_error());
	ASSERT_GE(MAX_DEVS, n);
	/* devmirror_sim's default: two devices, indexes 0 and 1. */
	EXPECT_EQ(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ((unsigned int)i, devs[i].index);
		EXPECT_TRUE(devs[i].usable);
		EXPECT_EQ(DEVMIR_ABI_VERSION, devs[i].abi_version);
		EXPECT_EQ(1, devs[i].drv_major);
		EXPECT_EQ(0, strncmp(devs[i].path, "/dev/dri/renderD", 16))
		TH_LOG("path %s", devs[i].path);
		ASSERT_EQ(0, stat(devs[i].path, &st));
		EXPECT_TRUE(S_ISCHR(st.st_mode));
		if (i)
			EXPECT_NE(0, strcmp(devs[i].path, devs[i - 1].path));
	}
	/* A short array still gets the count. */
	EXPECT_EQ(n, devmir_enumerate(devs, 1, sizeof(devs[0])));
	EXPECT_EQ(n, devmir_enumerate(NULL, 0, 0));
}

/* Opening by index and by path reaches the same device. */
TEST(discovery_open_by_index_and_path)
{
	struct devmir_enum_entry devs[MAX_DEVS];
	struct devmir_dev *a, *b;
	struct devmir_info ia = DEVMIR_INIT(ia);
	struct devmir_info ib = DEVMIR_INIT(ib);
	int n, i;

	n = devmir_enumerate(devs, MAX_DEVS, sizeof(devs[0]));
	ASSERT_LE(1, n);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, devmir_open(devs[i].index, &a))
		TH_LOG("%s", devmir_last_error());
		ASSERT_EQ(0, devmir_open_path(devs[i].path, &b));
		EXPECT_EQ(devs[i].index, devmir_index(a));
		EXPECT_EQ(devs[i].index, devmir_index(b));
		EXPECT_STREQ(devs[i].path, devmir_path(a));
		EXPECT_NE(devmir_fd(a), devmir_fd(b));
		ASSERT_EQ(0, devmir_get_info(a, &ia));
		ASSERT_EQ(0, devmir_get_info(b, &ib));
		EXPECT_EQ(devs[i].index, ia.index);
		/* Two opens of one process share one mirror. */
		EXPECT_EQ(ia.asid, ib.asid);
		devmir_close(a);
		devmir_close(b);
	}
}

/* Absent devices and foreign nodes are -ENODEV with a reason. */
TEST(discovery_missing_device_enodev)
{
	struct devmir_dev *dev = (struct devmir_dev *)0x1;

	EXPECT_EQ(-ENODEV, devmir_open(99, &dev));
	EXPECT_NE(NULL, strstr(devmir_last_error(), "no devmirror device 99"))
	TH_LOG("'%s'", devmir_last_error());
	EXPECT_EQ((struct devmir_dev *)0x1, dev);
	EXPECT_EQ(-ENODEV, devmir_open_path("/dev/null", &dev));
	EXPECT_NE(NULL, strstr(devmir_last_error(), "not a DRM device"));
	EXPECT_EQ(-ENOENT, devmir_open_path("/dev/dri/renderD999", &dev));
	EXPECT_EQ((struct devmir_dev *)0x1, dev);
}

/* sysfs says where the device sits; the platform device has no node. */
TEST(discovery_numa_node_from_sysfs)
{
	struct devmir_enum_entry devs[MAX_DEVS];
	struct devmir_dev *dev;
	char path[128], text[16] = "";
	struct stat st;
	int n, node = 42, want = -1, fd;
	ssize_t len;

	n = devmir_enumerate(devs, MAX_DEVS, sizeof(devs[0]));
	ASSERT_LE(1, n);
	ASSERT_EQ(0, stat(devs[0].path, &st));
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/device/numa_node",
		 major(st.st_rdev), minor(st.st_rdev));
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		len = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (len > 0)
			want = atoi(text);
	}
	if (want < 0)
		want = -1;
	ASSERT_EQ(0, devmir_open(devs[0].index, &dev));
	ASSERT_EQ(0, devmir_device_numa_node(dev, &node));
	EXPECT_EQ(want, node);
	EXPECT_EQ(want, devs[0].numa_node);
	devmir_close(dev);
}

/* A handle does not cross fork(): the child must open its own. */
TEST(discovery_handle_belongs_to_opener)
{
	struct devmir_dev *dev;
	struct devmir_info info = DEVMIR_INIT(info);
	int status;
	pid_t pid;

	ASSERT_EQ(0, devmir_open(0, &dev));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct devmir_dev *own;
		int ret = devmir_get_info(dev, &info);

		if (ret != -EBADF)
			_exit(1);
		if (devmir_open(0, &own) || devmir_get_info(own, &info))
			_exit(2);
		devmir_close(own);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, devmir_get_info(dev, &info));
	devmir_close(dev);
}

TEST_HARNESS_MAIN
