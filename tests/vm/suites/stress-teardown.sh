#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-teardown: the teardown matrix (devmirror_teardown): close before
# exit, exit with files open (and a process still holding them), exit with
# pages in device memory, close and exit during accesses, SIGKILL mid-fault
# and mid-migration, module unload refused while a file is open and allowed
# after, unload with live device pages, 100 load/unload cycles, and
# allocation failures (fail-nth, failslab, fail_page_alloc) at every point
# of open, access and close. The simulator starts with 4 MiB of device
# memory per device, so that the 8 MiB migrations of kill9_mid_migration
# evict (the module tests reload it with the defaults). DM_TEST_ARGS (e.g.
# "-t kill9_mid_fault") selects tests.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
# A fixed 4 KiB fault-ahead window: the fault-injection rounds count on a
# device write faulting its pages one by one (the adaptive default retries a
# failed fault-ahead run page by page, which absorbs the injected failures
# this matrix must see surface as clean errors).
insmod /modules/devmirror_sim.ko devmem_mb=4 fault_window_kb=4 || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

DM_MODULE_DIR=/modules /tests/devmirror_teardown "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
# Injected failures can starve kmemleak of its own objects and switch it
# off, which would make the leak scan at the end of the run prove nothing.
if [ -e /sys/kernel/debug/kmemleak ]; then
	if dmesg | grep -q "memory leak detector disabled"; then
		echo "not ok 905 kmemleak_still_enabled"; rc=1
	else
		echo "ok 905 kmemleak_still_enabled"
	fi
fi
exit $rc
