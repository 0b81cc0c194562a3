#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-coherent: device-coherent memory on the render nodes, the
# coherent variants of the migrate, devmem and teardown tests
# (devmirror_coherent): one device-private device (0) and two
# device-coherent devices over the rig's reserved ranges (tests/vm/init:
# DM_COHERENT_ADDRS), each with a 4 MiB pool so that eviction is reached.
# DM_TEST_ARGS (e.g. "-t devmem_fork_cow") selects tests.

if [ -z "$DM_COHERENT_ADDRS" ]; then
	echo "ok 1 coherent # SKIP no reserved device-coherent ranges (tests/vm/run -M 2G or more)"
	exit 0
fi
params="ndevices=1 devmem_mb=4 coherent_addr=$(echo $DM_COHERENT_ADDRS | tr ' ' ,) coherent_mb=4"

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko $params || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

DM_MODULE_DIR=/modules DM_SIM_PARAMS="$params" /tests/devmirror_coherent "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
