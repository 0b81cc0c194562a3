#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-fuzz: devmirror_fuzz - random and boundary arguments to every
# render-node ioctl, MIGRATE included (and raw driver-range numbers with
# random sizes), from a fixed, printed seed; every call must return with a
# documented errno and the device must work afterwards. $DM_FUZZ_CALLS
# calls, else 20000 (100000 on the debug kernel). Then the same against the
# test_hmm compatible devices /dev/hmm_dmirror0..1 (devmirror_sim.ko
# reloaded with hmm_compat=1; devmirror_fuzz -C): $DM_FUZZ_COMPAT_CALLS,
# else 20000 on either kernel. DM_TEST_ARGS are passed to both
# runs (e.g. "-s 7").

n=100
rc=0
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}

insmod /modules/devmirror.ko
tap $? insmod_devmirror
insmod /modules/devmirror_sim.ko
tap $? insmod_devmirror_sim

/tests/devmirror_fuzz "$@" || rc=1

rmmod devmirror_sim
tap $? rmmod_devmirror_sim

# test_hmm.ko owns the /dev/hmm_dmirror names while it is loaded.
if grep -q '^test_hmm ' /proc/modules; then
	tap 1 "insmod_devmirror_sim_hmm_compat (test_hmm.ko is loaded)"
elif insmod /modules/devmirror_sim.ko hmm_compat=1; then
	tap 0 insmod_devmirror_sim_hmm_compat
	/tests/devmirror_fuzz -C -p compat_ "$@" || rc=1
	rmmod devmirror_sim
	tap $? rmmod_devmirror_sim_hmm_compat
else
	tap 1 insmod_devmirror_sim_hmm_compat
fi

rmmod devmirror
tap $? rmmod_devmirror
exit $rc
