#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-adaptive: the adaptive fault-ahead window (devmirror_adaptive),
# then the access suite again with every mirror adaptive, for correctness
# of every kind of memory under it. DM_TEST_ARGS selects single tests.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko fault_window_kb=0 || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

/tests/devmirror_adaptive "$@"
rc=$?
if [ $# -eq 0 ]; then
	/tests/devmirror_access || rc=1
	/tests/devmirror_migrate || rc=1
fi

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
