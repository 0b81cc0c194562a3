#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-migrate: migration between system memory and device memory:
# MIGRATE both ways and its accounting, CPU faults (migrate_to_ram) and their
# window, shared/file/hugetlbfs/THP memory, the fault-driven policy, fork,
# bad input of the new fields (devmirror_migrate). 8 MiB of device memory per
# device.
# DM_TEST_ARGS (e.g. "-t thp") selects single tests.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko devmem_mb=8 || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

/tests/devmirror_migrate "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
