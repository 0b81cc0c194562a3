#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every devmirror module loads, shows in /proc/modules and unloads again.
# The core goes first and comes out last; the runner checks the log for splats.

n=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }

mods=devmirror
for ko in /modules/devmirror_*.ko; do
	[ -e "$ko" ] && mods="$mods $(basename "$ko" .ko)"
done
for m in $mods; do
	insmod "/modules/$m.ko"
	tap $? "module_load_$m"
	grep -q "^$m " /proc/modules
	tap $? "module_listed_$m"
done
rev=
for m in $mods; do rev="$m $rev"; done
for m in $rev; do
	rmmod "$m"
	tap $? "module_unload_$m"
	! grep -q "^$m " /proc/modules
	tap $? "module_gone_$m"
done
echo "1..$n"
