#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh OUT - host tests of the selftests' shared helpers (common/): build
# each test_*.c here with the helpers, ioctl() wrapped, and run it. Prints
# TAP lines "ok N - helpers.NAME"; exits non-zero when anything failed.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=${1:-$top/build/helpers}
mkdir -p "$out/include"
# The uAPI header includes <drm/drm.h>: libdrm's copy (libdrm-dev) serves.
ln -sfn /usr/include/libdrm "$out/include/drm"
rc=0
for t in "$here"/test_*.c; do
	name=$(basename "$t" .c)
	if ! gcc -O1 -g -Wall -Wextra -I"$top/uapi" -I"$top/tests/selftests/common" \
		-I"$top/tests/common" -I"$out/include" -Wl,--wrap=ioctl -o "$out/$name" "$t" \
		"$top/tests/selftests/common/devmir_test.c" "$top"/tests/common/*.c \
		-pthread >"$out/$name.log" 2>&1; then
		sed 's/^/# /' "$out/$name.log"
		echo "not ok 1 - helpers.${name}_builds"
		rc=1
		continue
	fi
	"$out/$name" || rc=1
done
exit $rc
