#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-torture: devmirror_torture - threads and processes doing device
# READ/WRITE/atomics of self-verifying patterns while others munmap/mmap,
# mprotect, madvise(DONTNEED), migrations to device memory and back, fork and
# exit - on the default device, then on a tiny one (4-entry TLB, 2-slot fault
# queue, 256-byte transactions, no huge pages, 2 MiB of device memory, so that
# migrations evict; a 20 µs TLB-invalidation round trip, waited for in the
# notifier's second pass where the kernel has one); finally the negative
# control: deliberate corruption must be caught.
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

/tests/devmirror_torture "$@" || rc=1
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
rmmod devmirror
tap $? rmmod_devmirror
exit $rc
