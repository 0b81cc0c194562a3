#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-access: device READ/WRITE/ATOMIC through the mirror on anonymous,
# PROT_*, MAP_SHARED, tmpfs, THP and hugetlbfs memory (devmirror_access).
# Loads both modules, runs the program, unloads them; DM_TEST_ARGS (e.g.
# "-t anon_read") selects single tests.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
# 1 KiB transactions: four per page, so that fault coalescing is exercised.
insmod /modules/devmirror_sim.ko txn_bytes=1024 || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

/tests/devmirror_access "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
