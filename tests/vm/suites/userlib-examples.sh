#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# userlib-examples: the programs of examples/ (built fully static as
# /tests/example_NAME) on the simulated devices. Each one's output is
# checked line by line against what it must say, not only its exit status.

fail() { echo "not ok $1 $2"; exit 1; }
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

n=0 rc=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2${3:+ # $3}"
		rc=1
	fi
}

# run NAME ARGS... - run an example; its output in /tmp/NAME.out, status
# in $st, and a TAP line for the status.
run() {
	name=$1
	shift
	if [ ! -x "/tests/example_$name" ]; then
		ok 1 "example_${name}_runs" "program missing"
		st=1
		return
	fi
	"/tests/example_$name" "$@" >"/tmp/$name.out" 2>&1
	st=$?
	sed "s/^/# $name: /" "/tmp/$name.out"
	ok $st "example_${name}_exits_0" "status $st"
}

# has NAME REGEX TEST - the output of NAME has a line matching REGEX.
has() {
	grep -Eq "$2" "/tmp/$1.out"
	ok $? "$3" "no line matching '$2'"
}

run discover_read
has discover_read '^devices: 2$' example_discover_read_finds_both_devices
has discover_read '^device 0: /dev/dri/renderD[0-9]+, ABI 3$' example_discover_read_lists_device_0
has discover_read '^opened device 0: 4-level table, [0-9]+ TLB entries, [1-9][0-9]* engines$' example_discover_read_opens_device_0
# 1 MiB of 4 KiB pages: cold faults at least one, warm none.
has discover_read '^device read 1048576 bytes: [1-9][0-9]* faults cold, 0 warm$' example_discover_read_faults_cold_not_warm
has discover_read '^data ok$' example_discover_read_data

run migrate_verify 0
has migrate_verify '^to device: ok, 256 pages moved, 1048576 bytes copied$' example_migrate_verify_moves_every_page
has migrate_verify '^mirror: 256 of 256 pages in device memory$' example_migrate_verify_mirror_maps_device_memory
has migrate_verify '^device read: data ok$' example_migrate_verify_device_reads_its_memory
has migrate_verify '^CPU read: data ok, 0 pages left in device memory$' example_migrate_verify_cpu_brings_it_back
has migrate_verify '^migrate_verify ok$' example_migrate_verify_ok

run watch_stats 3
has watch_stats '^device 0 reports [1-9][0-9]* statistics: ' example_watch_stats_lists_statistics
for r in 1 2 3; do
	has watch_stats "^round $r: read ok, faults [1-9][0-9]*, pages mapped [1-9][0-9]*, unmap invalidations [1-9][0-9]*$" \
		example_watch_stats_round_$r
done
has watch_stats '^watch_stats ok$' example_watch_stats_ok

run svm_kernel 262144
has svm_kernel '^svm_kernel: saxpy over 262144 elements on [1-9][0-9]* engine\(s\), [1-9][0-9]* device faults$' example_svm_kernel_runs_on_the_device
sums=$(sed -n 's/^y ok, sum \([0-9]*\) (CPU: \([0-9]*\))$/\1 \2/p' /tmp/svm_kernel.out)
[ -n "$sums" ] && [ "${sums% *}" = "${sums#* }" ]
ok $? example_svm_kernel_result_matches_cpu "sums '$sums'"
has svm_kernel '^svm_kernel ok$' example_svm_kernel_ok

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
