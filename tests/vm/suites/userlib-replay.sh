#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# userlib-replay: record and replay (docs/replay.md). userlib_replay
# records a program's calls and an unmodified program's, replays traces
# twice for identical counters and compares policies; then the four
# synthetic traces are generated and each replayed under the policies of
# docs/performance.md, "Policy comparison by replay", whose tables are
# these (printed as "# " lines).

cli=/tests/devmirror
fail() { echo "not ok $1 $2"; exit 1; }
[ -x $cli ] || fail 900 cli_missing
insmod /modules/devmirror.ko || fail 901 insmod_devmirror
insmod /modules/devmirror_sim.ko || { rmmod devmirror; fail 902 insmod_devmirror_sim; }

rc=0
if [ -x /tests/userlib_replay ]; then
	/tests/userlib_replay "$@" || rc=1
else
	echo "not ok 900 userlib_replay: program missing"
	rc=1
fi

# compare N KIND GEN-OPTIONS -- POLICIES: generate, replay, print the table.
n=800
compare() {
	kind=$1
	shift
	gen=
	while [ "$1" != -- ]; do gen="$gen $1"; shift; done
	shift
	pol=
	for p in "$@"; do pol="$pol --policy $p"; done
	n=$((n + 1))
	echo "# \$ devmirror trace gen $kind -o /tmp/$kind.dmt$gen"
	echo "# \$ devmirror replay /tmp/$kind.dmt$pol"
	# shellcheck disable=SC2086
	if $cli trace gen "$kind" -o "/tmp/$kind.dmt" $gen >/dev/null &&
	   $cli replay "/tmp/$kind.dmt" $pol >/tmp/replay.out 2>/tmp/replay.err; then
		sed 's/^/# /' /tmp/replay.out
		echo "ok $n replay_compare_$kind"
	else
		sed 's/^/# /' /tmp/replay.out /tmp/replay.err
		echo "not ok $n replay_compare_$kind"
		rc=1
	fi
	rm -f "/tmp/$kind.dmt"
}

compare stream --size 16M -- window=4K window=64K window=adaptive \
	migrate=first,window=2M
compare random4k --size 16M --count 1024 -- window=4K window=64K \
	window=adaptive migrate=first,window=64K
compare pingpong --size 2M --count 8 -- window=64K migrate=first,window=64K \
	migrate=first,window=64K,thrash=0:0 migrate=threshold:4,window=64K
compare stencil2d --size 8M --count 4 -- window=64K window=adaptive \
	migrate=first,window=64K

if rmmod devmirror_sim; then echo "ok 903 rmmod_devmirror_sim"; else echo "not ok 903 rmmod_devmirror_sim"; rc=1; fi
if rmmod devmirror; then echo "ok 904 rmmod_devmirror"; else echo "not ok 904 rmmod_devmirror"; rc=1; fi
exit $rc
