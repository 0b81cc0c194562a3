#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-faultinject: the torture and the ioctl fuzzer with the kernel's
# failslab and then fail_page_alloc switched on for their device accesses
# (task filter: only the threads' ioctls, through make-it-fail): every
# operation must end with a clean errno and right data or none; no splat,
# no leak, no broken mirror. (devmirror_teardown's fi.* tests cover open,
# close and single accesses systematically with fail-nth.)
# Runs $DM_FI_SECONDS (default 5; 10 on the debug kernel) per torture and
# $DM_FI_CALLS (default 5000; 20000 on the debug kernel) fuzz calls. Each
# program fails unless make-it-fail worked in every thread and the kernel
# injected failures (the attribute's "times" budget went down:
# *_failures_injected).

n=100
rc=0
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}

if [ "$DM_KERNEL_VARIANT" = debug ]; then secs=10 calls=20000; else secs=5 calls=5000; fi
secs=${DM_FI_SECONDS:-$secs}
calls=${DM_FI_CALLS:-$calls}

insmod /modules/devmirror.ko
tap $? insmod_devmirror
insmod /modules/devmirror_sim.ko
tap $? insmod_devmirror_sim

for kind in slab page; do
	/tests/devmirror_torture -F $kind -P 5 -d "$secs" -n "${kind}_" "$@" || rc=1
	/tests/devmirror_fuzz -F $kind -P 10 -n "$calls" -p "${kind}_" || rc=1
done

rmmod devmirror_sim
tap $? rmmod_devmirror_sim
rmmod devmirror
tap $? rmmod_devmirror
# Injected failures can starve kmemleak of its own objects and switch it
# off, which would make the leak scan at the end of the run prove nothing.
if [ -e /sys/kernel/debug/kmemleak ]; then
	! dmesg | grep -q "memory leak detector disabled"
	tap $? kmemleak_still_enabled
fi
exit $rc
