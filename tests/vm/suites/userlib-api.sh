#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# userlib-api: libdevmirror on the simulated devices, one program per
# scenario (discovery, info and policy, accesses with data checks,
# snapshots, statistics deltas, two devices, migration and prefetch,
# topology and NUMA placement).
# Loads both modules, runs the programs, unloads them; DM_TEST_ARGS (e.g.
# "-t access_errors") selects single tests.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

rc=0
for prog in userlib_discovery userlib_info userlib_access userlib_snapshot \
	    userlib_stats userlib_multi userlib_migrate userlib_numa; do
	if [ ! -x "/tests/$prog" ]; then
		echo "not ok 900 $prog: program missing"
		rc=1
		continue
	fi
	"/tests/$prog" "$@" || rc=1
done

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
