#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh OUT USERLIB - the userlib host tests: the library's and the CLI's
# test programs, then the build products (exported symbols, SONAME, install
# with pkg-config, man pages). Prints TAP lines "ok N - userlib.NAME" (a
# crashed program gets a failing line of its own) and exits non-zero when
# anything failed.
#   OUT      build directory (build/userlib)
#   USERLIB  the userlib/ source directory

out=$1 src=$2
[ -d "$out" ] && [ -d "$src" ] || { echo "usage: run.sh OUT USERLIB" >&2; exit 2; }
n=0 failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - userlib.$2"
	else
		echo "not ok $n - userlib.$2${3:+ # $3}"
		failed=1
	fi
}

# prog NAME CMD... - run a TAP test program; renumber its lines and add a
# line for its exit status.
prog() {
	name=$1
	shift
	tmp=$(mktemp)
	"$@" >"$tmp" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			n=$((n + 1))
			case $line in "not ok "*) failed=1 ;; esac
			echo "$line" | sed -E "s/^(not )?ok [0-9]+/\1ok $n/"
			;;
		*) echo "$line" ;;
		esac
	done <"$tmp"
	rm -f "$tmp"
	ok "$rc" "${name}_exits_cleanly" "exit status $rc"
}

prog test_lib "$out/tests/test_lib"
prog test_cli "$out/tests/test_cli" "$out/devmirror" "$out/tests/fakedev.so"

# Exactly the symbols of libdevmirror.map leave the shared library.
want=$(sed -n 's/^[[:space:]]*\(devmir_[a-z_]*\);$/\1/p' "$src/libdevmirror.map" | sort)
have=$(nm -D --defined-only "$out/libdevmirror.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
[ -n "$want" ] && [ "$want" = "$have" ]
ok $? lib_exports_only_the_map "$(echo "$have" | wc -l) exported, $(echo "$want" | wc -l) in the map"

# Every public function is declared in the installed headers.
missing=
for f in $want; do
	grep -q "[ *]$f(" "$src"/include/*.h || missing="$missing $f"
done
[ -z "$missing" ]
ok $? lib_map_matches_headers "not declared:$missing"

# No name means one thing in the kernel API and another in the library.
names=$("$src/../tests/check-api-names" "$src/.." 2>&1)
rc=$?
echo "$names" | grep '^# '
ok $rc api_names_disjoint "$(echo "$names" | sed -n 's/^.*ok [0-9]* - api_names_disjoint # //p')"

# Every symbol version node of the map is the current SONAME's.
nodes=$(sed -n 's/^\(DEVMIRROR_[0-9.]*\) {$/\1/p' "$src/libdevmirror.map")
major=$(sed -n 's/^#define DEVMIR_VERSION_MAJOR[[:space:]]*//p' "$src/include/libdevmirror.h")
bad=$(echo "$nodes" | grep -v "^DEVMIRROR_$major\.")
[ -n "$nodes" ] && [ -z "$bad" ]
ok $? lib_map_nodes_match_soname "major $major, nodes: $(echo $nodes)"

# The library's version, as its header states it.
version=$(sed -n 's/^#define DEVMIR_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*//p' \
	"$src/include/libdevmirror.h" | paste -sd.)

soname=$(objdump -p "$out/libdevmirror.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libdevmirror.so.$(echo "$version" | cut -d. -f1) ] && [ "$soname" = libdevmirror.so.2 ]
ok $? lib_versioned_soname "SONAME '$soname'"

# Install into a staging directory, then build a program the way a user
# would: pkg-config for the flags, the installed header and library.
# A prefix outside the default search paths, so pkg-config must supply them.
stage=$out/stage prefix=/opt/devmirror
rm -rf "$stage" && mkdir -p "$stage"
make -s -C "$src" O="$out" install DESTDIR="$stage" PREFIX=$prefix >"$stage.log" 2>&1
rc=$?
p=${prefix#/}
for f in $p/lib/libdevmirror.so.2 $p/lib/libdevmirror.a $p/include/libdevmirror.h \
	 $p/include/libdevmirror_migrate.h \
	 $p/include/libdevmirror_topo.h $p/lib/pkgconfig/devmirror.pc $p/bin/devmirror \
	 $p/share/man/man1/devmirror.1 $p/share/man/man3/libdevmirror.3; do
	[ -e "$stage/$f" ] || { echo "# not installed: $f"; rc=1; }
done
ok $rc install_destdir_layout "see $stage.log"

cat >"$stage/user.c" <<'CEOF'
#include <libdevmirror.h>
#include <libdevmirror_topo.h>
#include <stdio.h>
int main(void)
{
	struct devmir_dev *dev;
	int ret = devmir_open(0, &dev);

	/* libdevmirror.h brings the migration calls (libdevmirror_migrate.h). */
	printf("%s %d %s\n", devmir_version(), ret,
	       devmir_migfail_name(DEVMIR_MIGFAIL_BUSY));
	if (!ret)
		devmir_close(dev);
	return devmir_numa_nodes() == 0;
}
CEOF
pc="env PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$stage/$p/lib/pkgconfig pkg-config"
cflags=$($pc --cflags devmirror) && libs=$($pc --libs devmirror) &&
	${CC:-cc} $cflags -o "$stage/user" "$stage/user.c" $libs >>"$stage.log" 2>&1 &&
	LD_LIBRARY_PATH=$stage/$p/lib "$stage/user" | grep -q "^$version -[0-9]* busy\$"
ok $? install_pkg_config_links "cflags '$cflags' libs '$libs', see $stage.log"
[ -n "$version" ] && [ "$($pc --modversion devmirror)" = "$version" ]
ok $? install_pkg_config_version "want '$version'"

# The installed CLI has no run path into the build tree.
! objdump -p "$stage/$p/bin/devmirror" | grep -q 'R.*PATH'
ok $? install_cli_no_rpath

# Man pages render without groff warnings and document every command.
for page in "$src/man/devmirror.1" "$src/man/libdevmirror.3"; do
	warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$warn" ] && [ -s "$page" ]
	ok $? "man_$(basename "$page")_renders" "$warn"
done
missing=
for cmd in list info topo stat demo migrate bench; do
	grep -q "^\.B $cmd\$\|^\.BR $cmd " "$src/man/devmirror.1" || missing="$missing $cmd"
done
[ -z "$missing" ]
ok $? man_devmirror_documents_every_command "missing:$missing"
missing=
for f in $want; do
	grep -q "$f" "$src/man/libdevmirror.3" || missing="$missing $f"
done
[ -z "$missing" ]
ok $? man_libdevmirror_documents_every_function "missing:$missing"

exit $failed
