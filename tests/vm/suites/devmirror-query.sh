#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-query: DRM_IOCTL_DEVMIR_QUERY, the self-describing statistics of ABI 2:
# size negotiation, bad input, names, values, scopes, agreement with STATS
# (devmirror_query). Loads both modules, runs the program, unloads them;
# DM_TEST_ARGS (e.g. "-t old_stats_agree") selects single tests.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

/tests/devmirror_query "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
