#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-integrity: a device write is data (devmirror_integrity). Sets up
# what the cases need: swap on the RAM disk /dev/ram0 and an ext2 file system
# on /dev/ram1 (DM_INTEG_FS), loads devmirror_sim with the test_hmm front end
# (hmm_compat=1) so both ABIs are tested, and with two device-coherent devices
# over the rig's reserved ranges (tests/vm/init: DM_COHERENT_ADDRS; render
# nodes 2 and 3, /dev/hmm_dmirror2 and 3) for the coherent variants, which
# skip without them; runs the program, undoes it all.

fail() { echo "not ok $1 $2"; exit 1; }
mkswap /dev/ram0 >/dev/null && swapon /dev/ram0 || fail 901 swap_on_ram0
mkdir -p /mnt/integ
{ mke2fs -q /dev/ram1 && mount -t ext2 /dev/ram1 /mnt/integ; } || fail 902 ext2_on_ram1
insmod /modules/devmirror.ko || fail 903 insmod_devmirror
params=hmm_compat=1
[ -n "$DM_COHERENT_ADDRS" ] &&
	params="$params coherent_addr=$(echo $DM_COHERENT_ADDRS | tr ' ' ,) coherent_mb=16"
insmod /modules/devmirror_sim.ko $params ||
	{ rmmod devmirror; fail 904 insmod_devmirror_sim_hmm_compat; }

DM_INTEG_FS=/mnt/integ /tests/devmirror_integrity "$@"
rc=$?

if rmmod devmirror_sim; then echo "ok 905 rmmod_devmirror_sim"; else echo "not ok 905 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 906 rmmod_devmirror"; else echo "not ok 906 rmmod_devmirror"; rc=1; fi
umount /mnt/integ
if swapoff /dev/ram0; then echo "ok 907 swapoff_ram0"; else echo "not ok 907 swapoff_ram0"; rc=1; fi
exit $rc
