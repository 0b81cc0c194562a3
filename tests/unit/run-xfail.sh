#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-xfail.sh NAME PATTERN CMD... - negative control: CMD runs a build
# that is broken on purpose and must fail with PATTERN in its output (e.g.
# the sanitizer report; a basic regular expression, so alternatives are
# written 'a\|b'). Prints one TAP line; exits 0 when it failed as expected.
#
# An immediate free lets a reader see memory that was already reused, so
# ASan reports either the use-after-free read itself or the wild pointer
# loaded from it, and TSan either the race between the free and the read or
# the read of freed memory: each proves the missing grace period is caught.

name=$1
pattern=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "$pattern" "$out"; then
	echo "ok 1 - unit.$name"
	exit 0
fi
grep -E "$pattern|^#|ERROR|WARNING" "$out" | head -20 | sed 's/^/# /'
echo "not ok 1 - unit.$name # exit status $rc, expected a failure matching '$pattern'"
exit 1
