#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# devmirror-lifecycle: module parameters, render nodes and debugfs, an open
# render node pinning the module, unload after the last close, and the
# access/invalidate programs on a deliberately tiny device configuration
# (4-entry TLB, 2-slot fault queue, 256-byte transactions, no huge pages);
# a load that fails late (fail_device=1) with render-node opens racing it
# leaves nothing behind.

n=0
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}
rc=0
dbg=/sys/kernel/debug/devmirror

insmod /modules/devmirror.ko
tap $? insmod_devmirror
! insmod /modules/devmirror_sim.ko tlb_ways=3 2>/dev/null
tap $? bad_params_rejected_tlb_ways
! insmod /modules/devmirror_sim.ko fault_queue=8 fault_batch=9 2>/dev/null
tap $? bad_params_rejected_fault_batch
! insmod /modules/devmirror_sim.ko fault_window_kb=12 2>/dev/null
tap $? bad_params_rejected_fault_window
! insmod /modules/devmirror_sim.ko walk_line=0 2>/dev/null
tap $? bad_params_rejected_walk_line_0
! insmod /modules/devmirror_sim.ko walk_line=17 2>/dev/null
tap $? bad_params_rejected_walk_line_17

insmod /modules/devmirror_sim.ko ndevices=3
tap $? insmod_devmirror_sim_3_devices
[ "$(ls -d $dbg/sim* 2>/dev/null | wc -l)" = 3 ]
tap $? debugfs_three_devices
nodes=$(ls /dev/dri/renderD* 2>/dev/null | wc -l)
[ "$nodes" -ge 3 ]
tap $? three_render_nodes

# An open render node creates a mirror, shown in debugfs, and pins the module.
node=$(ls /dev/dri/renderD* | head -1)
exec 3<"$node"
tap $? open_render_node
[ "$(tail -n +2 $dbg/sim0/mirrors | wc -l)" = 1 ]
tap $? debugfs_lists_mirror
chk=$(cat $dbg/sim0/mirror-*/check 2>/dev/null)
[ "$chk" = ok ]
tap $? debugfs_mirror_check_ok
grep -q '^faults ' $dbg/sim0/mirror-*/stats
tap $? debugfs_mirror_stats
! rmmod devmirror_sim 2>/dev/null
tap $? rmmod_refused_while_open
exec 3<&-
[ "$(tail -n +2 $dbg/sim0/mirrors | wc -l)" = 0 ]
tap $? mirror_gone_after_close
rmmod devmirror_sim
tap $? rmmod_devmirror_sim_after_close

# A tiny device: every queue-full and eviction path gets exercised.
insmod /modules/devmirror_sim.ko ndevices=1 tlb_entries=4 tlb_ways=1 \
	fault_queue=2 fault_batch=1 txn_bytes=256 huge=0 engines=1
tap $? insmod_tiny_device
/tests/devmirror_access "$@"
tap $? tiny_device_access
/tests/devmirror_invalidate "$@"
tap $? tiny_device_invalidate
rmmod devmirror_sim
tap $? rmmod_tiny_device

# A load that fails late leaves no node, no device and no file behind,
# while another process keeps opening every render node it can find (an
# open in the window must be refused, not survive the module).
nodes_gone() {
	! grep -q '^devmirror_sim ' /proc/modules &&
		! ls -d /sys/bus/platform/devices/devmirror-sim* >/dev/null 2>&1 &&
		! ls /dev/hmm_dmirror* >/dev/null 2>&1
}
rm -f /tmp/stop-hammer
(
	while [ ! -e /tmp/stop-hammer ]; do
		for f in /dev/dri/renderD* /dev/hmm_dmirror*; do
			[ -e "$f" ] && (exec 3<>"$f" && usleep 2000) 2>/dev/null
		done
	done
) &
hammer=$!
for try in 1 2 3 4 5; do
	! insmod /modules/devmirror_sim.ko fail_device=1 2>/dev/null || break
done
[ "$try" = 5 ]
tap $? failed_load_refused_fail_device_1
nodes_gone
tap $? failed_load_leaves_nothing_fail_device_1
dmesg | grep -q 'devmirror_sim: load failed (-12)'
tap $? failed_load_says_why

touch /tmp/stop-hammer
wait $hammer
# Nothing the failed loads did stays: a normal load and unload work.
insmod /modules/devmirror_sim.ko && rmmod devmirror_sim
tap $? load_after_failed_loads

rmmod devmirror
tap $? rmmod_devmirror
! grep -q devmirror /proc/modules
tap $? modules_gone
echo "1..$n"
exit $rc
