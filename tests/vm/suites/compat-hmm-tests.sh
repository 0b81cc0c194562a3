#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# compat-hmm-tests: the kernel's own hmm-tests, unchanged, against devmirror's
# test_hmm front end (devmirror_sim.ko hmm_compat=1, /dev/hmm_dmirror0..1).
# The same binary runs against test_hmm.ko in peer-test_hmm; tests/vm/compare-peer
# prints both result lists side by side. DM_TEST_ARGS selects single tests.
# On the debug kernel, leaks are caught by the end-of-run kmemleak listing
# (tests/vm/init): unlike the peer's insmod, nothing here is set aside.

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

# Tests of newer hmm-tests (7.x) that need what devmirror's front end does
# not offer yet: test_hmm's HMM_DMIRROR_FLAGS (forced allocation failures)
# and device-private THP (a migrated THP mapped as one PMD). They are not run;
# each is reported as a skip with its reason (tests/expected-skips lists
# them for that kernel). Only tests this hmm-tests has are named (hmm-tests
# -l lists on stderr).
unsupported="migrate_anon_huge_fault|device-private THP: a migrated THP is not mapped as one PMD
migrate_anon_huge_err|HMM_DMIRROR_FLAGS not implemented by the front end
migrate_anon_huge_zero_err|HMM_DMIRROR_FLAGS not implemented by the front end
benchmark_thp_migration|a benchmark, not a test (make bench measures)"
list=$(/tests/hmm-tests -l 2>&1)
exclude= n=910
while IFS='|' read -r name why; do
	echo "$list" | grep -qw "$name" || continue
	exclude="$exclude -T $name"
	[ -n "$DM_TEST_ARGS" ] ||
		echo "ok $n hmm.hmm_device_private.$name # SKIP $why"
	n=$((n + 1))
done <<EOF
$unsupported
EOF

/tests/hmm-tests $exclude $DM_TEST_ARGS
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi

exit $rc
