# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the test-rig scripts. Sourced, never executed.

DEVMIRROR_CACHE=${DEVMIRROR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devmirror}

# The kernel series under test (make's KERNEL=, exported as DEVMIRROR_KERNEL):
#   6.12  the default: Debian 12's linux-source-6.12, installed with apt
#   6.1   Debian 12's linux-source-6.1, installed with apt
#   7     the newest linux-source-7.* of the same Debian archive's
#         trixie-backports suite, fetched into an apt state directory of the
#         cache and unpacked from its .deb: never installed into the system
# kernel_select - set KSRC_PKG, KSRC_SUITE and KSUFFIX for DEVMIRROR_KERNEL
# (exported, for the scripts this one runs).
kernel_select() {
	export DEVMIRROR_KERNEL=${DEVMIRROR_KERNEL:-6.12}
	case $DEVMIRROR_KERNEL in
	6.12 | 6.1) KSRC_PKG=linux-source-$DEVMIRROR_KERNEL KSRC_SUITE= ;;
	7) KSRC_PKG= KSRC_SUITE=trixie-backports ;;
	*) echo "devmirror-vm: error: unknown kernel '$DEVMIRROR_KERNEL' ($KERNELS_ALL)" >&2; exit 1 ;;
	esac
	# What names the kernel's build outputs: nothing for the default, so
	# that its paths stay as they always were.
	if [ "$DEVMIRROR_KERNEL" = 6.12 ]; then KSUFFIX=; else KSUFFIX=-$DEVMIRROR_KERNEL; fi
}
KERNELS_ALL="6.12 6.1 7"
kernel_select

die() { echo "devmirror-vm: error: $*" >&2; exit 1; }
note() { echo "devmirror-vm: $*" >&2; }

# apt_need PKG... - install the Debian packages that are not installed yet:
# silent when none is missing, one line when it installs (apt's own output
# goes to $DEVMIRROR_CACHE/apt.log and is shown only when apt fails).
apt_need() {
	local missing=() p installed
	# dpkg-query fails for a package dpkg has never seen: not an error here.
	installed=" $(dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\n' "$@" 2>/dev/null |
		awk -F'\t' '$2 ~ /^ii/ { printf "%s ", $1 }' || true)"
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

# apt_suite SUITE ARGS... - run apt-get (or apt-cache with APT=apt-cache)
# on a private state directory that knows only SUITE of the archive the
# machine's own apt configuration names for Debian: nothing is installed
# into the system, and no host name is written anywhere but that directory.
apt_suite() {
	local suite=$1 st=$DEVMIRROR_CACHE/apt/$1
	shift
	if [ ! -e "$st/etc/debian.sources" ]; then
		local uri
		uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' |
			awk '$3 == "deb" && $2 !~ /-(security|updates|backports)$/ { print $1; exit }')
		[ -n "$uri" ] || die "no Debian archive in the machine's apt sources"
		mkdir -p "$st/etc" "$st/lists/partial" "$st/cache/archives/partial"
		: >"$st/status"
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
			"$uri" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg \
			>"$st/etc/debian.sources"
	fi
	${APT:-apt-get} -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$st/etc" \
		-o Dir::State::Lists="$st/lists" -o Dir::State::status="$st/status" \
		-o Dir::Cache="$st/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

# ksrc_pkg_version - print "PACKAGE VERSION" of the kernel source package of
# DEVMIRROR_KERNEL: the installed one for Debian 12's, the newest
# linux-source-7.* of KSRC_SUITE (its package lists refreshed once a day).
ksrc_pkg_version() {
	if [ -z "$KSRC_SUITE" ]; then
		apt_need "$KSRC_PKG"
		echo "$KSRC_PKG $(dpkg-query -W -f '${Version}' "$KSRC_PKG")"
		return
	fi
	local st=$DEVMIRROR_CACHE/apt/$KSRC_SUITE stamp pkg
	stamp=$st/updated.$(date +%Y%m%d)
	if [ ! -e "$stamp" ]; then
		mkdir -p "$st"
		apt_suite "$KSRC_SUITE" update >"$st/update.log" 2>&1 ||
			{ tail -5 "$st/update.log" >&2; die "apt-get update of $KSRC_SUITE failed"; }
		rm -f "$st"/updated.* && touch "$stamp"
	fi
	pkg=$(APT=apt-cache apt_suite "$KSRC_SUITE" pkgnames linux-source-$DEVMIRROR_KERNEL. |
		sort -V | tail -1)
	[ -n "$pkg" ] || die "no linux-source-$DEVMIRROR_KERNEL.* in $KSRC_SUITE"
	echo "$pkg $(APT=apt-cache apt_suite "$KSRC_SUITE" show --no-all-versions "$pkg" |
		sed -n 's/^Version: //p')"
}

# ksrc_dir - unpack the Debian kernel source once per package version and
# print its path.
ksrc_dir() {
	need_deps
	local pkg ver dir tarball
	read -r pkg ver < <(ksrc_pkg_version)
	[ -n "$ver" ] || die "no version of ${pkg:-the kernel source package}"
	dir="$DEVMIRROR_CACHE/src/$ver"
	if [ ! -e "$dir/.unpacked" ]; then
		tarball=/usr/src/$pkg.tar.xz
		if [ -n "$KSRC_SUITE" ]; then
			# Fetch the .deb and take the tarball out of it.
			local deb=$DEVMIRROR_CACHE/deb
			mkdir -p "$deb"
			if [ ! -e "$deb/$pkg-$ver/.extracted" ]; then
				note "fetching $pkg $ver from $KSRC_SUITE"
				(cd "$deb" && apt_suite "$KSRC_SUITE" download "$pkg=$ver" >/dev/null) ||
					die "apt-get download $pkg=$ver failed"
				rm -rf "$deb/$pkg-$ver"
				dpkg-deb -x "$deb/${pkg}_${ver//:/%3a}_all.deb" "$deb/$pkg-$ver" ||
					die "dpkg-deb -x failed"
				rm -f "$deb/${pkg}_${ver//:/%3a}_all.deb"
				touch "$deb/$pkg-$ver/.extracted"
			fi
			tarball=$deb/$pkg-$ver/usr/src/$pkg.tar.xz
		fi
		note "unpacking $pkg $ver into $dir"
		rm -rf "$dir" && mkdir -p "$dir"
		tar -C "$dir" -xf "$tarball" || die "unpack failed"
		touch "$dir/.unpacked"
		[ -z "$KSRC_SUITE" ] || rm -rf "$DEVMIRROR_CACHE/deb/$pkg-$ver"
	fi
	echo "$dir/$pkg"
}
