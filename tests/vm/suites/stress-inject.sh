#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-inject: devmirror's own fault-injection points (debugfs
# devmirror/inject/: hmm_busy, seq_bump, pool_exhaust, copy_fail, page_busy).
# devmirror_inject runs device accesses and migrations under each point with
# a fixed seed, then without it, on a device with 8 MiB of device memory so
# that migrations oversubscribe it; then the torture runs on the default
# device with every point on at a low rate. Seed: "-s SEED" first in
# DM_TEST_ARGS, else $DM_INJECT_SEED, else 20261121; printed. The rest of
# DM_TEST_ARGS goes to the kselftest harness, e.g.
#   tests/vm/run -a "-s 7 -t copy_fail_partial" stress-inject
# Torture length: $DM_INJECT_SECONDS (default 5; 10 on the debug kernel).

n=100
rc=0
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}

if [ "$DM_KERNEL_VARIANT" = debug ]; then secs=10; else secs=5; fi
secs=${DM_INJECT_SECONDS:-$secs}
seed=${DM_INJECT_SEED:-20261121}
if [ "$1" = -s ] && [ -n "$2" ]; then
	seed=$2
	shift 2
fi
export DM_INJECT_SEED=$seed
inj=/sys/kernel/debug/devmirror/inject

insmod /modules/devmirror.ko
tap $? insmod_devmirror
insmod /modules/devmirror_sim.ko devmem_mb=8
tap $? insmod_devmirror_sim_8mib

/tests/devmirror_inject "$@" || rc=1

# Hits of every point, one line, for the log.
hits() {
	line="# inject $1:"
	for p in hmm_busy seq_bump pool_exhaust copy_fail page_busy; do
		line="$line $p $(cat $inj/$p/hits)/$(cat $inj/$p/calls)"
	done
	echo "$line (hits/calls)"
}

# The torture with every point on at a low rate. Strict first: retries and
# -EBUSY are all the two notifier-race points and page_busy can cause. Then
# all five:
# the pool and copy points make migrations fail with -ENOMEM, which the
# torture accepts only in its fault-injection mode (-F; failslab armed at
# probability 0 injects nothing itself).
torture_under() {
	name=$1
	shift
	echo "$seed" > $inj/seed
	for pr in "$@"; do
		echo "${pr#*=}" > "$inj/${pr%=*}/rate"
	done
	/tests/devmirror_torture -s "$seed" -d "$secs" -n "${name}_" $targs || rc=1
	hits "$name"
	fired=0
	for pr in "$@"; do
		[ "$(cat "$inj/${pr%=*}/hits")" -gt 0 ] || fired=1
	done
	for p in hmm_busy seq_bump pool_exhaust copy_fail page_busy; do
		echo 0 > $inj/$p/rate
	done
	tap $fired "${name}_points_fired"
}
# The torture on the default device (256 MiB of device memory).
rmmod devmirror_sim
tap $? rmmod_devmirror_sim_8mib
insmod /modules/devmirror_sim.ko
tap $? insmod_devmirror_sim
targs=
torture_under inject_races hmm_busy=20 seq_bump=20 page_busy=20
targs="-F slab -P 0"
torture_under inject_all hmm_busy=50 seq_bump=50 pool_exhaust=20 copy_fail=10 page_busy=50

rmmod devmirror_sim
tap $? rmmod_devmirror_sim
rmmod devmirror
tap $? rmmod_devmirror
exit $rc
