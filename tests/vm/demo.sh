#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The main job's guest side (make run): load the devmirror modules, show
# what they registered, then the devmirror CLI (on PATH from /tests): the
# devices, device 0's description, the demo (device faults fill the mirror,
# the buffer migrates into device memory and comes back on CPU access) and
# the device's statistics and latency histograms; then the raw-ioctl
# walkthrough of the migration paths (policy, exclusive atomics); unload
# the modules.

set -e
PATH=/tests:$PATH
echo "== loading devmirror"
insmod /modules/devmirror.ko
for ko in /modules/devmirror_*.ko; do
	[ -e "$ko" ] && insmod "$ko"
done
echo "== modules"
grep devmirror /proc/modules
echo "== DRM devices"
ls -l /dev/dri 2>/dev/null || echo "(none)"
echo "== debugfs"
ls /sys/kernel/debug/devmirror 2>/dev/null || echo "(none)"
echo "== devmirror list"
devmirror list
echo "== devmirror info 0"
devmirror info 0
echo "== devmirror demo"
devmirror demo --no-progress
echo "== devmirror migrate 1 --size 16M"
devmirror migrate 1 --size 16M --no-progress
echo "== devmirror stat 0 (device-wide)"
devmirror stat 0
echo "== devmirror stat 0 --latency (device-wide)"
devmirror stat 0 --latency
if [ -x /tests/devmirror_demo ]; then
	echo "== the same paths through the raw ioctls, with the fault-driven policy"
	/tests/devmirror_demo
fi
echo "== kernel messages"
dmesg | grep -i devmirror | tail -10
echo "== unloading"
for ko in /modules/devmirror_*.ko; do
	[ -e "$ko" ] && rmmod "$(basename "$ko" .ko)"
done
rmmod devmirror
echo "demo done"
# The result line the runner counts (set -e: any failing step ends the
# script before it, and the runner reports its exit status).
echo "ok 1 demo"
