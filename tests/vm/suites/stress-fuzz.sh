#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-fuzz: devmirror_fuzz - random and boundary arguments to every
# render-node ioctl (and raw driver-range numbers with random sizes), from
# a fixed, printed seed; every call must return with a documented errno and
# the device must work afterwards. $DM_FUZZ_CALLS calls, else 20000
# (1000000 on the debug kernel); DM_TEST_ARGS are passed on (e.g. "-s 7").

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
rmmod devmirror
tap $? rmmod_devmirror
exit $rc
