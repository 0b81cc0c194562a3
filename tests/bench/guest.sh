#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of `make bench` (installed as /suites/bench.sh): in one
# boot, measure devmirror through its render node, test_hmm.ko and the CPU
# baselines (memcpy, move_pages, munmap/mprotect without a device) in
# alternating rounds, then devmirror through its test_hmm-compatible
# devices; same kernel, same buffers, same sizes. /tests/dm_bench prints
# the rows; the host's tests/bench/report turns them into medians and
# ratios.
#
# usage: bench.sh [smoke] [KEY=VALUE...]
#   smoke      tiny sizes, 2 repetitions: does it run, are the numbers sane
#   SIZE=MiB MIGRATE=MiB REPS=N WINDOW=KiB SCALE=MiB:... WINDOWS=KiB:...
#   WSIZE=MiB MEM=MiB PINGPONG=N PROCS=N:...  (defaults: see below)
#   SIM=p=v+p=v  extra devmirror_sim.ko parameters for both devmirror runs
#   ONLY=g:g   only these dm_bench groups (fault, migrate, scale, window, mem,
#              churn, pingpong, mirrors, shootdown, sparse; peerthp: hmm-tests'
#              benchmark_thp_migration, 7.x) in every round, and "coherent"
#              for the device-coherent rounds (4. below); the report leaves
#              the rest n/a
#   PROFILE=LABEL:GROUP  instead of the rounds: run one dm_bench group
#              (fault, migrate, ...) of one front end (native or test_hmm)
#              under the kernel's function profiler and print the functions
#              that took the most time (self time, both CPUs)

SIM= PROFILE= ONLY= SIZE=256 MIGRATE=128 REPS=5 WINDOW=2048 SCALE=16,64,256,1024
WINDOWS=4,16,64,256,1024,2048 WSIZE=64 MEM=1024 PINGPONG=128 PROCS=1,2,4,16,64
smoke=0
if [ "$1" = smoke ]; then
	smoke=1
	SIZE=4 MIGRATE=4 REPS=2 SCALE=2,4 WINDOWS=4,2048 WSIZE=4 MEM=4 PINGPONG=8 PROCS=1,2,4
	shift
fi
for kv in "$@"; do
	case $kv in
	# Lists may use ':' (the VM runner's -a cannot carry commas).
	SIZE=*|MIGRATE=*|REPS=*|WINDOW=*|SCALE=*|WINDOWS=*|WSIZE=*|MEM=*|PINGPONG=*|PROCS=*)
		eval "$(echo "$kv" | tr : ,)" ;;
	SIM=*) SIM=$(echo "${kv#SIM=}" | tr + ' ') ;;
	PROFILE=*) PROFILE=${kv#PROFILE=} ;;
	ONLY=*) ONLY=$(echo "${kv#ONLY=}" | tr : ,) ;;
	*) echo "not ok 1 bench_arguments (unknown '$kv')"; exit 1 ;;
	esac
done

n=0 rc=0
tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; rc=1; fi
}
info() { echo "@@DM-BENCH-INFO,$1,$2"; }
# peer_thp LABEL: the kernel's own THP migration benchmark (hmm-tests'
# benchmark_thp_migration, 7.x) against whatever /dev/hmm_dmirror0 is now
# (test_hmm.ko, or devmirror's compatible devices), its table kept as
# @@DM-BENCH-PEER rows for the report. Only where hmm-tests has it, and
# not in a smoke run (minutes under TCG).
peer_thp() {
	[ "$smoke" = 0 ] && [ "$(groups peerthp)" = peerthp ] || return 0
	# (the harness lists its tests on stderr)
	/tests/hmm-tests -l 2>&1 | grep -q 'benchmark_thp_migration' || return 0
	/tests/hmm-tests -r hmm.hmm_device_private.benchmark_thp_migration >/tmp/peer_thp.txt 2>&1
	tap $? "bench_peer_thp_$1"
	grep '^# .*hmm-tests\.c' /tmp/peer_thp.txt
	sed -n '/HMM THP Migration Benchmark/,$p' /tmp/peer_thp.txt | grep -v '^ok\|^#' |
		while IFS= read -r line; do echo "@@DM-BENCH-PEER,$1,$line"; done
}

# latency LABEL: every devmirror device's latency histograms (debugfs, DOC:
# Latency histograms), one row each: LABEL, device, name, count, sum and
# largest sample (ns), then the 32 log2 buckets.
latency() {
	for f in /sys/kernel/debug/devmirror/*/latency; do
		[ -r "$f" ] || continue
		d=${f%/latency}
		d=${d##*/}
		grep -v '^#' "$f" | while read -r line; do
			echo "@@DM-BENCH-LAT,$1,$d,$(echo "$line" | tr ' ' ,)"
		done
	done
}

info kernel "$(uname -r)"
info cpus "$(grep -c ^processor /proc/cpuinfo)"
info memory_kib "$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
info nodes "$(ls -d /sys/devices/system/node/node* | wc -l)"
info thp "$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
info params "size=${SIZE}M migrate=${MIGRATE}M reps=$REPS window=${WINDOW}K scale=$SCALE windows=$WINDOWS wsize=${WSIZE}M mem=${MEM}M pingpong=$PINGPONG procs=$PROCS sim='$SIM'"

# profile LABEL GROUP: one dm_bench run under the function profiler.
profile() {
	local t=/sys/kernel/tracing backend=native
	[ "$1" = test_hmm ] && backend=hmm
	[ -d $t/trace_stat ] || mount -t tracefs nodev $t 2>/dev/null
	if [ ! -e $t/function_profile_enabled ]; then
		echo "not ok 1 bench_profile (no function profiler in this kernel)"
		return 1
	fi
	echo 0 >$t/options/graph-time
	echo 1 >$t/function_profile_enabled
	/tests/dm_bench -b $backend -l "$1" -g "$2" -w "$WINDOW" -S "$SCALE" \
		-W "$WINDOWS" -V "$WSIZE" -G "$MEM" -s $SIZE -m $MIGRATE -r 1 >/dev/null
	local status=$?
	echo 0 >$t/function_profile_enabled
	echo "# profile of $1, group $2 (self time, all CPUs, top 30):"
	echo "#   function                                   calls     total us  avg us"
	cat $t/trace_stat/function* | awk '
		$1 ~ /^[A-Za-z_]/ && $2 ~ /^[0-9]+$/ && $1 != "Function" {
			hits[$1] += $2; us[$1] += $3
		}
		END { for (f in us) printf "%s %d %.1f\n", f, hits[f], us[f] }' |
		sort -k3 -n -r | head -30 |
		awk '{ printf "#   %-40s %9d %12.1f %7.2f\n", $1, $2, $3, $3 / $2 }'
	return $status
}

# Every repetition is its own round: native, test_hmm and the CPU baselines
# take turns, so that a slow spell of the (shared, emulated) machine hits
# all of them alike. The smoke run does one round of REPS repetitions.
rounds=$REPS per=1
[ "$smoke" = 1 ] && rounds=1 per=$REPS
sizes="-s $SIZE -m $MIGRATE -r $per"
# groups LIST: LIST, or its part that ONLY names.
groups() {
	[ -z "$ONLY" ] && { echo "$1"; return; }
	local g out=
	for g in $(echo "$1" | tr , ' '); do
		case ",$ONLY," in *",$g,"*) out=${out:+$out,}$g ;; esac
	done
	echo "${out:-none}"
}
bench() {
	case " $* " in *" -g none "*) return ;; esac
	/tests/dm_bench "$@" || rc=1
}

if [ ! -x /tests/dm_bench ]; then
	echo "not ok 1 bench_program_present"
	exit 1
fi

# 1. devmirror through its render node, fault-ahead window $WINDOW KiB (the
#    window sweep shows the other settings), and test_hmm.ko side by side:
#    their device files differ, so both stay loaded. test_hmm's insmod is
#    recorded as in peer-test_hmm: 6.12's test_hmm leaks its device names
#    on unload, which the debug kernel's kmemleak would otherwise report.
insmod /modules/devmirror.ko && insmod /modules/devmirror_sim.ko $SIM
tap $? bench_load_devmirror
peer=0
if [ -e /modules/test_hmm.ko ]; then
	insmod /modules/test_hmm.ko &
	pid=$!
	wait $pid
	tap $? bench_load_test_hmm && peer=1
	echo "$pid" >>/tmp/dm-peer-pids
else
	n=$((n + 1))
	echo "ok $n bench_test_hmm # SKIP test_hmm.ko not in the initramfs"
fi
if [ -n "$PROFILE" ]; then
	profile "${PROFILE%%:*}" "${PROFILE#*:}"
	tap $? bench_profile
	[ $peer = 1 ] && rmmod test_hmm
	rmmod devmirror_sim && rmmod devmirror
	exit $rc
fi

# A first, unreported round: TCG translates kernel code the first time it
# runs, which would otherwise land in whichever measurement comes first.
[ "$smoke" = 1 ] || {
	/tests/dm_bench -b native -l warmup -g fault -s 16 -r 1 -w "$WINDOW" >/dev/null
	[ $peer = 1 ] && /tests/dm_bench -b hmm -l warmup -g fault -s 16 -r 1 >/dev/null
}
# The latency histograms cover the measured rounds only: reset every
# device's statistics (devmirror stat DEV --reset, devices 0, 1, ...).
i=0
while /tests/devmirror stat $i --reset >/dev/null 2>&1; do i=$((i + 1)); done
r=0
while [ $r -lt $rounds ]; do
	rep=$((r * per))
	bench -b native -l native -g "$(groups fault,migrate,scale,window,mem,churn,pingpong,sparse)" \
		-w "$WINDOW" -S "$SCALE" -W "$WINDOWS" -V "$WSIZE" -G "$MEM" -P "$PINGPONG" \
		$sizes -R $rep
	# The same churn rows with faults under the mirror's notifier, as
	# before the fault blocks (DOC: Fault blocks).
	p=/sys/module/devmirror/parameters/fault_blocks
	if [ "$(groups churn)" = churn ] && [ -w $p ]; then
		echo N >$p
		bench -b native -l native_noblock -g churn -w "$WINDOW" -V "$WSIZE" $sizes -R $rep
		echo Y >$p
	fi
	[ $peer = 1 ] && bench -b hmm -l test_hmm -g "$(groups fault,migrate,scale,churn)" \
		-S "$SCALE" -V "$WSIZE" $sizes -R $rep
	# The CPU alone: memcpy, move_pages between the two NUMA nodes, and
	# what mprotect/munmap cost with no device attached.
	bench -b cpu -l cpu -g "$(groups fault,migrate)" $sizes -R $rep
	r=$((r + 1))
done
latency native
[ $peer = 1 ] && peer_thp test_hmm
if [ $peer = 1 ]; then
	rmmod test_hmm
	tap $? bench_unload_test_hmm
fi
rmmod devmirror_sim && rmmod devmirror
tap $? bench_unload_devmirror

# 2. devmirror behind test_hmm's ABI (the compat devices take test_hmm's
#    device names, so they run on their own).
insmod /modules/devmirror.ko && insmod /modules/devmirror_sim.ko hmm_compat=1 $SIM
tap $? bench_load_devmirror_compat
# The modules were loaded again, at new addresses: TCG translates their
# code again, which the same unreported first round keeps out of the rows.
[ "$smoke" = 1 ] || /tests/dm_bench -b hmm -l warmup -g fault -s 16 -r 1 >/dev/null
r=0
while [ $r -lt $rounds ]; do
	bench -b hmm -l compat -g "$(groups fault,migrate,churn)" -V "$WSIZE" $sizes -R $((r * per))
	r=$((r + 1))
done
rmmod devmirror_sim && rmmod devmirror
tap $? bench_unload_devmirror_compat

# 2b. The kernel's THP migration benchmark against the compatible devices:
#     it migrates up to 256 MiB at once, and test_hmm grows its device
#     memory on demand, so these get 1 GiB each.
if [ "$smoke" = 0 ] && [ "$(groups peerthp)" = peerthp ]; then
	insmod /modules/devmirror.ko && insmod /modules/devmirror_sim.ko hmm_compat=1 devmem_mb=1024 $SIM
	tap $? bench_load_devmirror_compat_1g
	peer_thp compat
	rmmod devmirror_sim && rmmod devmirror
	tap $? bench_unload_devmirror_compat_1g
fi

# 3. Many mirrors: 1..64 processes, each on four devices with a sparse
#    1 TiB reservation (small device memory: nothing migrates); munmap of a
#    range 1, 2 and 4 devices mirror, their shootdowns in one pass or two.
if [ "$(groups mirrors,shootdown)" != none ]; then
	insmod /modules/devmirror.ko && insmod /modules/devmirror_sim.ko ndevices=4 devmem_mb=16 $SIM
	tap $? bench_load_devmirror_mirrors
	r=0
	while [ $r -lt $rounds ]; do
		bench -b native -l native -g "$(groups mirrors,shootdown)" -M "$PROCS" -r $per -R $((r * per))
		r=$((r + 1))
	done
	rmmod devmirror_sim && rmmod devmirror
	tap $? bench_unload_devmirror_mirrors
fi
# peer_coherent: test_hmm's rows of round 4 (device 0 private, 2 coherent).
peer_coherent() {
	insmod /modules/test_hmm.ko $spm &
	pid=$!
	wait $pid
	tap $? bench_load_test_hmm_coherent
	echo "$pid" >>/tmp/dm-peer-pids
	bench -b hmm -l test_hmm -g cpuaccess $sizes -R $rep
	bench -b hmm -l test_hmm_coherent -d coherent -g migrate,cpuaccess $sizes -R $rep
	rmmod test_hmm
	tap $? bench_unload_test_hmm_coherent
}

# 4. Device-coherent memory against device-private memory, devmirror's
#    render node and test_hmm side by side: migration to a coherent device
#    and back, and CPU access to pages in device memory (coherent: the CPU
#    uses them in place; private: each touch migrates them back). Both
#    drivers need the rig's reserved ranges (tests/vm/init:
#    DM_COHERENT_ADDRS) and cannot share them, so each round loads
#    devmirror (one private device, then one coherent device over the first
#    range) and then test_hmm (devices 0-1 private, 2-3 coherent, given both
#    ranges as spm_addr_dev0/1), one after the other.
if [ "$(groups coherent)" = coherent ]; then
	set -- $DM_COHERENT_ADDRS
	if [ $# -ne 2 ]; then
		n=$((n + 1))
		echo "ok $n bench_coherent # SKIP no reserved device-coherent ranges (guest of 2 GiB or more)"
	else
		spm="spm_addr_dev0=$1 spm_addr_dev1=$2" coh=$1
		r=0
		while [ $r -lt $rounds ]; do
			rep=$((r * per))
			insmod /modules/devmirror.ko &&
				insmod /modules/devmirror_sim.ko ndevices=1 coherent_addr=$coh $SIM
			tap $? bench_load_devmirror_coherent
			bench -b native -l native -g cpuaccess $sizes -R $rep
			bench -b native -l native_coherent -d coherent -g migrate,cpuaccess $sizes -R $rep
			rmmod devmirror_sim && rmmod devmirror
			tap $? bench_unload_devmirror_coherent
			# Not on 7.x: its test_hmm maps its reserved range a second
			# time when out of 4 KiB pages, with a WARNING (as in
			# tests/vm/suites/peer-test_hmm.sh).
			case $(uname -r) in
			7.*)
				if [ $peer = 1 ] && [ $r = 0 ]; then
					n=$((n + 1))
					echo "ok $n bench_test_hmm_coherent # SKIP 7.x test_hmm re-maps its coherent range when out of 4 KiB pages (WARNING): not given one"
				fi
				;;
			*)
				[ $peer = 1 ] && peer_coherent ;;
			esac
			bench -b cpu -l cpu -g cpuaccess $sizes -R $rep
			r=$((r + 1))
		done
	fi
fi
exit $rc
