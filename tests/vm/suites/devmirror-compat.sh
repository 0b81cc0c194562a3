#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-compat: the test_hmm front end's behaviour beyond hmm-tests
# (EXCLUSIVE's errno, close without eviction; devmirror_compat). Loads
# devmirror_sim with hmm_compat=1; refuses to run while test_hmm.ko owns the
# /dev/hmm_dmirror names.

fail() { echo "not ok $1 $2"; exit 1; }
grep -q '^test_hmm ' /proc/modules && fail 900 "test_hmm_not_loaded (test_hmm.ko owns /dev/hmm_dmirror*)"
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko hmm_compat=1 ||
	{ rmmod devmirror; fail 902 insmod_devmirror_sim_hmm_compat; }

/tests/devmirror_compat "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
