#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The peer baseline: the kernel's own hmm-tests against the kernel's own
# test_hmm.ko. hmm-tests is built from the unpacked source package at test
# time; DM_TEST_ARGS (e.g. "-t anon_read") selects single tests.

kmemleak=/sys/kernel/debug/kmemleak

# kmemleak_scan - report every leak made so far: kmemleak reports an
# unreferenced object only if it was older than its minimum age (5 s) at
# the previous scan, so wait that long, scan, and scan again.
kmemleak_scan() {
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
}

if [ ! -x /tests/hmm-tests ] || [ ! -e /modules/test_hmm.ko ]; then
	echo "ok 1 hmm-tests # SKIP hmm-tests or test_hmm.ko not in the initramfs"
	exit 0
fi

# On the debug kernel, leaks from earlier suites are printed here (and fail
# the run), then cleared so that the window below holds the peer's alone.
if [ -e "$kmemleak" ]; then
	kmemleak_scan
	cat "$kmemleak"
	echo clear >"$kmemleak"
fi

insmod /modules/test_hmm.ko || { echo "not ok 1 insmod_test_hmm"; exit 1; }
/tests/hmm-tests $DM_TEST_ARGS
rc=$?
if rmmod test_hmm; then
	echo "ok 1000 rmmod_test_hmm"
else
	echo "not ok 1000 rmmod_test_hmm"
fi

# 6.12's test_hmm.ko never put_device()s its char devices on unload, so it
# leaks each device's name and private data. That is the peer's bug, not
# ours: show it as a note and clear it so it is not counted against us.
if [ -e "$kmemleak" ]; then
	kmemleak_scan
	n=$(grep -c '^unreferenced object' "$kmemleak")
	echo "# peer: kmemleak found $n objects test_hmm.ko leaked on unload (known upstream bug, cleared)"
	sed -e 's/^unreferenced object/peer leak:/' -e 's/^/#   /' "$kmemleak" | head -40
	echo clear >"$kmemleak"
fi
exit $rc
