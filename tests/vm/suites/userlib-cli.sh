#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# userlib-cli: the devmirror CLI. Without the modules it must fail cleanly
# (exit 69, an empty JSON device list that says why); with them,
# userlib_cli checks its --json output against the library and runs the
# demo and the benchmark.

cli=/tests/devmirror
fail() { echo "not ok $1 $2"; exit 1; }
[ -x $cli ] || fail 900 cli_missing

# nodev N NAME - the CLI without any devmirror device.
nodev() {
	$cli info >/tmp/cli.out 2>/tmp/cli.err
	st=$?
	if [ $st -eq 69 ] && [ ! -s /tmp/cli.out ] && grep -q devmirror_sim /tmp/cli.err; then
		echo "ok $1 ${2}_info_exit_69"
	else
		echo "not ok $1 ${2}_info_exit_69 (status $st)"
		cat /tmp/cli.err
		rc=1
	fi
	out=$($cli --json list)
	st=$?
	case $out in
	*'"devices":[]'*'}') empty=1 ;;
	*) empty=0 ;;
	esac
	if [ $st -eq 0 ] && [ $empty = 1 ] &&
	   echo "$out" | grep -q '"schema_version":1,' &&
	   echo "$out" | grep -q '"reason":"[^"]'; then
		echo "ok $(($1 + 1)) ${2}_list_json_empty"
	else
		echo "not ok $(($1 + 1)) ${2}_list_json_empty (status $st: $out)"
		rc=1
	fi
}

rc=0
nodev 801 before_insmod
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
nodev 803 core_only
insmod /modules/devmirror_sim.ko || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

/tests/userlib_cli "$@" || rc=1
if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
nodev 805 after_rmmod
exit $rc
