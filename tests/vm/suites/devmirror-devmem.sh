#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-devmem: the device memory pool with a small pool (devmem_mb=4):
# oversubscription at twice the pool, LRU eviction, two devices (remote
# pages, device-to-device), fork/close with device pages, a FOLL_LONGTERM
# pin (devmirror_devmem; exit and kill -9 with device pages are in the
# teardown matrix, stress-teardown); then, without test arguments, module
# unload with device pages still live (safe: evicted to system memory), also
# when only a fork child maps them, and while a process holds a file (EBUSY),
# checked by devmirror_hold.

n=900
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}
fail() { echo "not ok $1 $2"; exit 1; }
# wait_ready FILE - wait up to 120 s for a helper to create FILE.
wait_ready() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	[ -e "$1" ]
}
dbg=/sys/kernel/debug/devmirror
# unload_live NAME MODE READY LIVE RMMOD INTACT INSMOD - start devmirror_hold
# (MODE: its second argument) and, its 256 pages in device memory, unload
# the simulator; then check its data and load the simulator again. The
# other arguments name the five checks, in that order.
unload_live() {
	rm -f /tmp/$1.ready
	/tests/devmirror_hold /tmp/$1.ready $2 &
	pid=$!
	wait_ready /tmp/$1.ready
	tap $? $3
	used=$(awk '$1 == "used" { print $2 }' $dbg/sim0/devmem)
	[ "${used:-0}" -eq 256 ]
	tap $? $4
	rmmod devmirror_sim
	tap $? $5
	kill -USR1 $pid
	wait $pid
	tap $? $6
	insmod $sim
	tap $? $7
}
sim="/modules/devmirror_sim.ko devmem_mb=4"

insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod $sim || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

/tests/devmirror_devmem "$@"
rc=$?

if [ $# -eq 0 ]; then
	# Unload with pages in device memory of a process that closed its file;
	# then with pages only a fork child maps (their owner unmapped them).
	unload_live hold1 "" unload_helper_ready unload_device_pages_live \
		rmmod_with_live_device_pages data_intact_after_unload insmod_again
	unload_live hold3 fork-unmap fork_helper_ready child_device_pages_live \
		rmmod_with_child_device_pages child_data_intact_after_unload \
		insmod_after_child_unload

	# A process holding a file pins the module: rmmod fails with EBUSY.
	rm -f /tmp/hold2.ready
	/tests/devmirror_hold /tmp/hold2.ready keep-fd &
	pid=$!
	wait_ready /tmp/hold2.ready
	tap $? busy_helper_ready
	! rmmod devmirror_sim 2>/dev/null
	tap $? rmmod_refused_while_file_open
	kill -USR1 $pid
	wait $pid
	tap $? data_intact_with_file_open
fi

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
