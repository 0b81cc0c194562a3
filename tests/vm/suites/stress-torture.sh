#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-torture: devmirror_torture - threads and processes doing device
# READ/WRITE/atomics of self-verifying patterns while others munmap/mmap,
# mprotect, madvise(DONTNEED), migrations to device memory and back, fork and
# exit - on the default device, then on a tiny one (4-entry TLB, 2-slot fault
# queue, 256-byte transactions, no huge pages, 2 MiB of device memory, so that
# migrations evict; a 20 µs TLB-invalidation round trip, waited for in the
# notifier's second pass where the kernel has one), then on one
# device-private and two device-coherent devices over the rig's reserved
# ranges (tests/vm/init: DM_COHERENT_ADDRS), 2 MiB of memory each, so that
# pages move between the kinds, the CPU uses coherent pages in place while
# the device and the other threads race it, and coherent memory evicts (a
# SKIP without the ranges); finally the negative control: deliberate
# corruption must be caught.
# The default run starts its THP slots in device memory and, where the
# kernel has device-private THP, must have migrated 2 MiB entries (-H).
# Each run lasts $DM_TORTURE_SECONDS, else 10 s (30 s on the debug kernel);
# DM_TEST_ARGS are passed to the torture runs (e.g. "-s 1234" to replay).

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

/tests/devmirror_torture -H "$@" || rc=1
/tests/devmirror_torture -X -d 3 -n negative_ || rc=1

rmmod devmirror_sim
tap $? rmmod_devmirror_sim
insmod /modules/devmirror_sim.ko ndevices=1 tlb_entries=4 tlb_ways=1 \
	fault_queue=2 fault_batch=1 txn_bytes=256 huge=0 engines=1 devmem_mb=2 \
	tlb_inv_us=20
tap $? insmod_tiny_device
/tests/devmirror_torture -n tiny_ "$@" || rc=1

rmmod devmirror_sim
tap $? rmmod_tiny_device

if [ -n "$DM_COHERENT_ADDRS" ]; then
	insmod /modules/devmirror_sim.ko ndevices=1 devmem_mb=2 coherent_mb=2 \
		coherent_addr=$(echo $DM_COHERENT_ADDRS | tr ' ' ,)
	tap $? insmod_coherent_devices
	/tests/devmirror_torture -n coherent_ "$@" || rc=1
	rmmod devmirror_sim
	tap $? rmmod_coherent_devices
else
	echo "ok 199 coherent_torture # SKIP no reserved device-coherent ranges (tests/vm/run -M 2G or more)"
fi
rmmod devmirror
tap $? rmmod_devmirror
exit $rc
