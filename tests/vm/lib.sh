# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the test-rig scripts. Sourced, never executed.

DEVMIRROR_CACHE=${DEVMIRROR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devmirror}
KSRC_PKG=linux-source-6.12

die() { echo "devmirror-vm: error: $*" >&2; exit 1; }
note() { echo "devmirror-vm: $*" >&2; }

# apt_need PKG... - install the Debian packages that are not installed yet.
apt_need() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root or apt-get install them)"
	note "installing ${missing[*]}"
	if [ ! -e "$DEVMIRROR_CACHE/.apt-updated" ]; then
		apt-get update -q >&2 || die "apt-get update failed"
		mkdir -p "$DEVMIRROR_CACHE" && touch "$DEVMIRROR_CACHE/.apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

# ksrc_dir - unpack the Debian kernel source once per package version and
# print its path.
ksrc_dir() {
	apt_need "$KSRC_PKG" xz-utils
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
