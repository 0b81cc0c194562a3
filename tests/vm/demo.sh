#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The main job's guest side (make run): load the devmirror modules, show
# what they registered, run the demo (mirroring, then migration through
# device memory), unload them.

set -e
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
echo "== a device read with faults, then a migration round trip, and the statistics"
/tests/devmirror_demo
echo "== device-wide statistics (debugfs)"
cat /sys/kernel/debug/devmirror/sim0/stats 2>/dev/null | head -60
echo "== kernel messages"
dmesg | grep -i devmirror | tail -10
echo "== unloading"
for ko in /modules/devmirror_*.ko; do
	[ -e "$ko" ] && rmmod "$(basename "$ko" .ko)"
done
rmmod devmirror
echo "demo done"
