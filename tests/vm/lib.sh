# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the test-rig scripts. Sourced, never executed.

DEVMIRROR_CACHE=${DEVMIRROR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devmirror}
KSRC_PKG=linux-source-6.12

die() { echo "devmirror-vm: error: $*" >&2; exit 1; }
note() { echo "devmirror-vm: $*" >&2; }

# apt_need PKG... - install the Debian packages that are not installed yet:
# silent when none is missing, one line when it installs (apt's own output
# goes to $DEVMIRROR_CACHE/apt.log and is shown only when apt fails).
apt_need() {
	local missing=() p installed
	installed=" $(dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\n' "$@" 2>/dev/null |
		awk -F'\t' '$2 ~ /^ii/ { printf "%s ", $1 }')"
	for p in "$@"; do
		[[ $installed == *" $p "* ]] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root or apt-get install them)"
	mkdir -p "$DEVMIRROR_CACHE"
	local aptlog=$DEVMIRROR_CACHE/apt.log
	note "installing ${missing[*]} with apt-get (log: $aptlog)"
	if [ ! -e "$DEVMIRROR_CACHE/.apt-updated" ]; then
		apt-get update -q >"$aptlog" 2>&1 || { tail -20 "$aptlog" >&2; die "apt-get update failed"; }
		touch "$DEVMIRROR_CACHE/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >>"$aptlog" 2>&1 ||
		{ tail -20 "$aptlog" >&2; die "apt-get install ${missing[*]} failed"; }
}

# need_deps - make sure everything in the one dependency list,
# tests/install-deps, is installed; once per process tree (the Makefile and
# the first script export DEVMIRROR_DEPS=ok for everything they run).
need_deps() {
	[ "${DEVMIRROR_DEPS:-}" = ok ] && return 0
	"$(dirname "${BASH_SOURCE[0]}")/../install-deps" || exit 1
	export DEVMIRROR_DEPS=ok
}

# ksrc_dir - unpack the Debian kernel source once per package version and
# print its path.
ksrc_dir() {
	need_deps
	local ver dir
	ver=$(dpkg-query -W -f '${Version}' "$KSRC_PKG")
	dir="$DEVMIRROR_CACHE/src/$ver"
	if [ ! -e "$dir/.unpacked" ]; then
		note "unpacking $KSRC_PKG $ver into $dir"
		rm -rf "$dir" && mkdir -p "$dir"
		tar -C "$dir" -xf "/usr/src/$KSRC_PKG.tar.xz" || die "unpack failed"
		touch "$dir/.unpacked"
	fi
	echo "$dir/$KSRC_PKG"
}
