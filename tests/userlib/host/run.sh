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
prog test_trace "$out/tests/test_trace" "$out/devmirror" "$out/tests/fakedev.so"

# Exactly the symbols of each map leave its shared library.
exports() {
	nm -D --defined-only "$1" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort
}
mapnames() {
	sed -n 's/^[[:space:]]*\(devmir_[a-z_]*\);$/\1/p' "$1" | sort
}
want=$(mapnames "$src/libdevmirror.map")
have=$(exports "$out/libdevmirror.so")
[ -n "$want" ] && [ "$want" = "$have" ]
ok $? lib_exports_only_the_map "$(echo "$have" | wc -l) exported, $(echo "$want" | wc -l) in the map"
want_topo=$(mapnames "$src/libdevmirror-topo.map")
have=$(exports "$out/libdevmirror-topo.so")
[ -n "$want_topo" ] && [ "$want_topo" = "$have" ]
ok $? topo_exports_only_the_map "$(echo "$have" | wc -l) exported, $(echo "$want_topo" | wc -l) in the map"
want_all=$(printf '%s\n%s\n' "$want" "$want_topo" | sort)

# libdevmirror needs libdrm alone (so that it links statically anywhere).
needed=$(objdump -p "$out/libdevmirror.so" | awk '$1 == "NEEDED" { print $2 }' |
	grep -v '^libc\.so\|^ld-linux' | tr '\n' ' ')
[ "$needed" = "libdrm.so.2 " ]
ok $? lib_depends_on_libdrm_alone "NEEDED: $needed"

# Every public function is declared in the installed headers.
missing=
for f in $want_all; do
	grep -q "[ *]$f(" "$src"/include/*.h || missing="$missing $f"
done
[ -z "$missing" ]
ok $? lib_map_matches_headers "not declared:$missing"

# Every errno a function's code can return is in its kernel-doc, hence in
# the ERRORS of its man page (the kernel's answers are listed by hand).
errnos=$("$src/../tests/userlib/host/errno-check" "$src" 2>&1)
rc=$?
echo "$errnos" | grep '^# .*can return\|^# .*no definition'
ok $rc lib_errors_cover_code_paths "$(echo "$errnos" | tail -1 | sed 's/^# //')"

# No name means one thing in the kernel API and another in the library.
names=$("$src/../tests/check-api-names" "$src/.." 2>&1)
rc=$?
echo "$names" | grep '^# '
ok $rc api_names_disjoint "$(echo "$names" | sed -n 's/^.*ok [0-9]* - api_names_disjoint # //p')"

# The library's version, as its header states it: the one version source.
version=$(sed -n 's/^#define DEVMIR_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]*//p' \
	"$src/include/libdevmirror.h" | paste -sd.)
major=${version%%.*}

# Every symbol version node of a map is its library's current SONAME's.
nodes=$(sed -n 's/^\(DEVMIRROR_[0-9.]*\) {$/\1/p' "$src/libdevmirror.map")
bad=$(echo "$nodes" | grep -v "^DEVMIRROR_$major\.")
[ -n "$nodes" ] && [ -z "$bad" ]
ok $? lib_map_nodes_match_soname "major $major, nodes: $(echo $nodes)"

soname=$(objdump -p "$out/libdevmirror.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libdevmirror.so.$major" ] && [ "$soname" = libdevmirror.so.3 ]
ok $? lib_versioned_soname "SONAME '$soname'"
soname=$(objdump -p "$out/libdevmirror-topo.so" | awk '$1 == "SONAME" { print $2 }')
nodes=$(sed -n 's/^\(DEVMIRROR_TOPO_[0-9.]*\) {$/\1/p' "$src/libdevmirror-topo.map")
[ "$soname" = libdevmirror-topo.so.1 ] && [ "$(echo $nodes)" = DEVMIRROR_TOPO_1.0 ]
ok $? topo_versioned_soname "SONAME '$soname', nodes: $(echo $nodes)"

# Install into a staging directory, then build programs the way a user
# would: pkg-config (or CMake) for the flags, the installed headers and
# libraries. A prefix outside the default search paths, so the tools must
# supply them.
stage=$out/stage prefix=/opt/devmirror
p=${prefix#/}
rm -rf "$stage" && mkdir -p "$stage"
make -s -C "$src" O="$out" install DESTDIR="$stage" PREFIX=$prefix >"$stage.log" 2>&1
rc=$?
for f in $p/lib/libdevmirror.so.3 $p/lib/libdevmirror.so $p/lib/libdevmirror.a \
	 $p/lib/libdevmirror-topo.so.1 $p/lib/libdevmirror-topo.so $p/lib/libdevmirror-topo.a \
	 $p/include/libdevmirror.h $p/include/libdevmirror_migrate.h \
	 $p/include/libdevmirror_topo.h $p/lib/pkgconfig/devmirror.pc \
	 $p/lib/pkgconfig/devmirror-topo.pc $p/lib/cmake/devmirror/devmirrorConfig.cmake \
	 $p/lib/cmake/devmirror/devmirrorConfigVersion.cmake $p/bin/devmirror \
	 $p/share/man/man1/devmirror.1 $p/share/man/man3/libdevmirror.3 \
	 $p/share/man/man3/devmir_open.3 $p/share/man/man3type/devmir_info.3type; do
	[ -e "$stage/$f" ] || { echo "# not installed: $f"; rc=1; }
done
ok $rc install_destdir_layout "see $stage.log"

# devmirror.pc names the prefix once; everything else follows ${prefix}.
pcfile=$stage/$p/lib/pkgconfig/devmirror.pc
[ "$(grep -c "$prefix" "$pcfile")" = 1 ] && grep -q '^libdir=${prefix}/lib$' "$pcfile" &&
	grep -q '^includedir=${prefix}/include$' "$pcfile"
ok $? install_pc_relative_to_prefix "$(grep -n "$prefix\|dir=" "$pcfile" | tr '\n' ' ')"
# ... so --define-prefix relocates it to where it is found.
got=$(PKG_CONFIG_PATH=$stage/$p/lib/pkgconfig pkg-config --define-prefix --cflags devmirror)
case $got in "-I$stage/$p/include "*) true ;; *) false ;; esac
ok $? install_pc_define_prefix "cflags '$got'"

cat >"$stage/user.c" <<'CEOF'
#include <libdevmirror.h>
#include <stdio.h>
#if !defined(DEVMIR_VERSION) || DEVMIR_VERSION < DEVMIR_VERSION_NUM(3, 0, 0)
#error "needs libdevmirror 3.0"
#endif
int main(void)
{
	struct devmir_info info = DEVMIR_INIT(info);
	struct devmir_dev *dev;
	int ret = devmir_open(0, &dev);

	/* libdevmirror.h brings the migration calls (libdevmirror_migrate.h). */
	printf("%s %d %s %d\n", devmir_version(), ret,
	       devmir_migfail_name(DEVMIR_MIGFAIL_BUSY),
	       devmir_version_number() == DEVMIR_VERSION);
	if (!ret) {
		ret = devmir_get_info(dev, &info);
		devmir_close(dev);
	}
	return 0;
}
CEOF
# The documented staged-install recipe (docs/userlib.md).
pc="env PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$stage/$p/lib/pkgconfig pkg-config"
cflags=$($pc --cflags devmirror) && libs=$($pc --libs devmirror) &&
	${CC:-cc} $cflags -o "$stage/user" "$stage/user.c" $libs >>"$stage.log" 2>&1 &&
	LD_LIBRARY_PATH=$stage/$p/lib "$stage/user" | grep -q "^$version -[0-9]* busy 1\$" &&
	objdump -p "$stage/user" | grep -q 'NEEDED *libdevmirror\.so\.3$'
ok $? install_pkg_config_links_shared "cflags '$cflags' libs '$libs', see $stage.log"
[ -n "$version" ] && [ "$($pc --modversion devmirror)" = "$version" ]
ok $? install_pkg_config_version "want '$version'"

# The documented fully static link: cc -static app.c $(pkg-config --static
# --cflags --libs devmirror).
slibs=$($pc --static --cflags --libs devmirror) &&
	${CC:-cc} -static -o "$stage/user-static" "$stage/user.c" $slibs >>"$stage.log" 2>&1 &&
	"$stage/user-static" | grep -q "^$version -[0-9]* busy 1\$" &&
	! objdump -p "$stage/user-static" | grep -q NEEDED
ok $? install_pkg_config_links_static "flags '$slibs', see $stage.log"

# libdevmirror-topo: its own pkg-config name, which brings libdevmirror.
cat >"$stage/topo.c" <<'CEOF'
#include <libdevmirror_topo.h>
#include <stdio.h>
int main(void)
{
	struct devmir_topo_summary sum = DEVMIR_INIT(sum);
	struct devmir_topo *topo;

	if (devmir_topo_load(&topo) || devmir_topo_summary(topo, &sum))
		return 1;
	printf("%s %u\n", devmir_version(), sum.pus);
	devmir_topo_free(topo);
	return sum.pus == 0;
}
CEOF
tflags=$($pc --cflags --libs devmirror-topo) &&
	${CC:-cc} -o "$stage/topo" "$stage/topo.c" $tflags >>"$stage.log" 2>&1 &&
	LD_LIBRARY_PATH=$stage/$p/lib "$stage/topo" | grep -q "^$version [1-9]"
ok $? install_pkg_config_links_topo "flags '$tflags', see $stage.log"

# CMake: find_package(devmirror 3) in the staged tree, shared and static.
if command -v cmake >/dev/null; then
	cm=$stage/cmake
	mkdir -p "$cm/src"
	cp "$stage/user.c" "$cm/src/"
	cat >"$cm/src/CMakeLists.txt" <<'CEOF'
cmake_minimum_required(VERSION 3.13)
project(user C)
find_package(devmirror 3 REQUIRED)
add_executable(user user.c)
target_link_libraries(user PRIVATE devmirror::devmirror)
CEOF
	rc=0
	for kind in shared static; do
		static=OFF
		[ $kind = static ] && static=ON
		{ cmake -S "$cm/src" -B "$cm/$kind" -Ddevmirror_USE_STATIC_LIBS=$static \
			-Ddevmirror_DIR="$stage/$p/lib/cmake/devmirror" &&
			cmake --build "$cm/$kind"; } >>"$stage.log" 2>&1 &&
			LD_LIBRARY_PATH=$stage/$p/lib "$cm/$kind/user" |
			grep -q "^$version -[0-9]* busy 1\$" || rc=1
	done
	# The shared build links the SONAME, the static one no libdevmirror.
	objdump -p "$cm/shared/user" | grep -q 'NEEDED *libdevmirror\.so\.3$' || rc=1
	! objdump -p "$cm/static/user" | grep -q 'NEEDED *libdevmirror' || rc=1
	ok $rc install_cmake_package "see $stage.log"
	# A major version this install is not: find_package() must refuse it.
	sed -i 's/find_package(devmirror 3 REQUIRED)/find_package(devmirror 2 REQUIRED)/' \
		"$cm/src/CMakeLists.txt"
	! cmake -S "$cm/src" -B "$cm/wrong" -Ddevmirror_DIR="$stage/$p/lib/cmake/devmirror" \
		>>"$stage.log" 2>&1
	ok $? install_cmake_version_checked
else
	echo "ok $((n += 1)) - userlib.install_cmake_package # SKIP cmake not installed (tests/install-deps installs it)"
fi

# The installed CLI has no run path into the build tree.
! objdump -p "$stage/$p/bin/devmirror" | grep -q 'R.*PATH'
ok $? install_cli_no_rpath

# Man pages: one per exported function, found by name from the staged
# MANPATH; one per structure and enumeration; every page renders without a
# groff warning, carries the version of the one version source, and names
# in SEE ALSO only pages that exist.
man=$stage/$p/share/man
missing=
for f in $want_all; do
	MANPATH=$man man -w "$f" 2>/dev/null | grep -q "^$man/man3/$f\.3" || missing="$missing $f"
done
[ -z "$missing" ]
ok $? man_page_per_function "no page:$missing"
missing=
for t in $(sed -n 's/^\(struct\|enum\) \(devmir_[a-z_]*\) {$/\2/p' "$src"/include/*.h); do
	[ -f "$man/man3type/$t.3type" ] || missing="$missing $t"
done
[ -z "$missing" ]
ok $? man_page_per_type "no page:$missing"
missing=
for m in $(sed -n 's/^#define \(DEVMIR_[A-Z0-9_]*\).*/\1/p' "$src"/include/*.h); do
	# A .so link: man(1) resolves it to the overview that documents it.
	MANPATH=$man man -w "$m" 2>/dev/null | grep -q "^$man/man3/libdevmirror\.3" &&
		[ "$(cat "$man/man3/$m.3")" = ".so man3/libdevmirror.3" ] ||
		missing="$missing $m"
done
[ -z "$missing" ]
ok $? man_page_per_macro "no page:$missing"
# man(1) itself, as a user types it.
MANPATH=$man MANPAGER=cat MANWIDTH=80 man devmir_open 2>&1 | grep -q 'EACCES'
ok $? man_devmir_open_from_manpath
bad=
for page in $(find "$man" -type f); do
	warn=$(cd "$man" && groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$warn" ] || bad="$bad $(basename "$page"): $warn;"
done
[ -z "$bad" ]
ok $? man_pages_render "$bad"
bad=
for page in $(find "$man" -type f); do
	grep -q '^\.so ' "$page" && continue
	th=$(grep '^\.TH' "$page")
	case $th in *" \"devmirror $version\" "*) ;; *) bad="$bad $(basename "$page")" ;; esac
done
[ -z "$bad" ]
ok $? man_pages_carry_version "wrong .TH:$bad"
bad=
for page in $(find "$man" -type f); do
	refs=$(sed -n '/^\.SH SEE ALSO/,/^\.SH/p' "$page" |
		sed -n 's/^\.BR \([A-Za-z0-9_-]*\) (\([0-9a-z]*\)).*/\1.\2/p')
	for ref in $refs; do
		sec=${ref##*.}
		sec=${sec%type}
		[ -e "$man/man${ref##*.}/$ref" ] || [ -e "$man/man$sec/$ref" ] ||
			bad="$bad $(basename "$page")->$ref"
	done
done
[ -z "$bad" ]
ok $? man_see_also_exists "dangling:$bad"
missing=
for cmd in list info topo stat demo migrate advise bench record replay trace; do
	grep -q "^\.B $cmd\$\|^\.BR $cmd " "$src/man/devmirror.1" || missing="$missing $cmd"
done
[ -z "$missing" ]
ok $? man_devmirror_documents_every_command "missing:$missing"

# make uninstall, with the same variables, leaves nothing behind.
make -s -C "$src" O="$out" uninstall DESTDIR="$stage" PREFIX=$prefix >>"$stage.log" 2>&1
left=$(cd "$stage" && find "$p" \( -type f -o -type l \) | head -5)
[ -z "$left" ]
ok $? uninstall_removes_everything "left: $left"

# A relative DESTDIR of the top-level make install is relative to where
# make runs, not to userlib/.
top=$(cd "$src/.." && pwd)
rel=build/userlib-reltest
rm -rf "${top:?}/$rel" "$src/$rel"
(cd "$top" && make -s install DESTDIR=$rel PREFIX=/usr) >>"$stage.log" 2>&1
[ -e "$top/$rel/usr/lib/libdevmirror.so.3" ] && [ ! -e "$src/$rel" ]
ok $? install_relative_destdir "see $stage.log"
rm -rf "${top:?}/$rel" "${src:?}/$rel"

exit $failed
