#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-tap.sh NAME CMD... - run one unit-test program, pass its TAP lines
# through and add "ok N - unit.NAME_exits_cleanly" (or "not ok") for its
# exit status, so that a crash or sanitizer abort, which prints no TAP line
# of its own, still shows up as a failed test. Exits with the status.

name=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
rc=$?
cat "$out"
n=$(grep -cE '^(not )?ok [0-9]+ ' "$out")
n=$((n + 1))
if [ "$rc" -eq 0 ]; then
	echo "ok $n - unit.${name}_exits_cleanly"
else
	echo "not ok $n - unit.${name}_exits_cleanly # exit status $rc"
fi
exit "$rc"
