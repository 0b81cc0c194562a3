#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# compat-hmm-tests: the kernel's own hmm-tests, unchanged, against devmirror's
# test_hmm front end (devmirror_sim.ko hmm_compat=1, /dev/hmm_dmirror0..1).
# The same binary runs against test_hmm.ko in peer-test_hmm; tests/vm/compare-peer
# prints both result lists side by side. DM_TEST_ARGS selects single tests.
# On the debug kernel any kmemleak report after the run fails the suite:
# unlike the peer's, every object here is ours.

kmemleak=/sys/kernel/debug/kmemleak

kmemleak_scan() {
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
}

if [ ! -x /tests/hmm-tests ]; then
	echo "ok 1 hmm-tests # SKIP hmm-tests not in the initramfs"
	exit 0
fi
if grep -q '^test_hmm ' /proc/modules; then
	echo "not ok 901 test_hmm_not_loaded (test_hmm.ko owns /dev/hmm_dmirror*)"
	exit 1
fi

insmod /modules/devmirror.ko || { echo "not ok 901 insmod_devmirror"; exit 1; }
if ! insmod /modules/devmirror_sim.ko hmm_compat=1; then
	rmmod devmirror
	echo "not ok 902 insmod_devmirror_sim_hmm_compat"
	exit 1
fi

/tests/hmm-tests $DM_TEST_ARGS
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi

if [ -e "$kmemleak" ]; then
	kmemleak_scan
	n=$(grep -c '^unreferenced object' "$kmemleak")
	if [ "$n" -gt 0 ]; then
		cat "$kmemleak"
		echo "not ok 905 kmemleak_clean ($n objects)"
		rc=1
	else
		echo "ok 905 kmemleak_clean"
	fi
	echo clear >"$kmemleak"
fi
exit $rc
