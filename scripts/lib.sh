# SPDX-License-Identifier: GPL-2.0
# Shared helpers for ptscope's scripts: the cache, the archive address and a
# private apt configuration that never touches the system's apt sources.

PTSCOPE_CACHE=${PTSCOPE_CACHE:-/var/cache/ptscope}
PTSCOPE_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APT_PRIVATE=$PTSCOPE_CACHE/apt
SID_ROOT=$PTSCOPE_CACHE/sid-root
KERNELS_DIR=$PTSCOPE_CACHE/kernels

die() { echo "${0##*/}: $*" >&2; exit 1; }
say() { echo "${0##*/}: $*" >&2; }

# The Debian archive this machine already uses, read from its own apt
# configuration (deb822 .sources first, then one-line sources.list).
archive_url()
{
	local url
	url=$(awk '
		/^Types:/ { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
		/^URIs:/ && deb { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }
	' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	if [ -z "$url" ] && [ -f /etc/apt/sources.list ]; then
		url=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/ && $i !~ /security/) { print $i; exit } }' \
			/etc/apt/sources.list | head -n1)
	fi
	[ -n "$url" ] || die "cannot find the Debian archive in /etc/apt"
	echo "${url%/}"
}

# A private apt configuration under the cache: its own sources, lists,
# status file and archive cache.  Other suites never enter /etc/apt.
private_apt_setup()
{
	local url=$(archive_url)
	mkdir -p "$APT_PRIVATE"/{lists/partial,archives/partial,sources.list.d,preferences.d}
	: >"$APT_PRIVATE/status.new"
	[ -f "$APT_PRIVATE/status" ] || mv "$APT_PRIVATE/status.new" "$APT_PRIVATE/status"
	rm -f "$APT_PRIVATE/status.new"
	cat >"$APT_PRIVATE/sources.list" <<-SRC
	deb [signed-by=$APT_PRIVATE/keyring.gpg] $url bookworm-backports main
	deb [signed-by=$APT_PRIVATE/keyring.gpg] $url trixie main
	deb [signed-by=$APT_PRIVATE/keyring.gpg] $url sid main
	SRC
	cat >"$APT_PRIVATE/apt.conf" <<-CONF
	Dir::State "$APT_PRIVATE";
	Dir::State::Lists "$APT_PRIVATE/lists";
	Dir::State::status "$APT_PRIVATE/status";
	Dir::Cache "$APT_PRIVATE";
	Dir::Cache::archives "$APT_PRIVATE/archives";
	Dir::Etc::SourceList "$APT_PRIVATE/sources.list";
	Dir::Etc::SourceParts "$APT_PRIVATE/sources.list.d";
	Dir::Etc::Preferences "$APT_PRIVATE/preferences";
	Dir::Etc::PreferencesParts "$APT_PRIVATE/preferences.d";
	APT::Architecture "amd64";
	APT::Architectures { "amd64"; };
	Acquire::Languages "none";
	Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
	Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
	CONF
	# Newer suites may be signed by keys newer than this system's keyring;
	# the cache carries the union of the system's and any newer keyring.
	[ -f "$APT_PRIVATE/keyring.gpg" ] ||
		cp /usr/share/keyrings/debian-archive-keyring.gpg "$APT_PRIVATE/keyring.gpg"
}

papt_get() { APT_CONFIG=$APT_PRIVATE/apt.conf apt-get "$@"; }
papt_cache() { APT_CONFIG=$APT_PRIVATE/apt.conf apt-cache "$@"; }

# Refresh the private package lists at most once a day.
private_apt_update()
{
	private_apt_setup
	local stamp=$APT_PRIVATE/updated
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		papt_get -q update >&2 || die "private apt update failed"
		touch "$stamp"
	fi
}

# Print "package version" for the newest package in SUITE whose name matches
# the extended regular expression PATTERN (anchored).
newest_in_suite()
{
	local pattern=$1 suite=$2 list
	list=$(ls "$APT_PRIVATE"/lists/*_dists_"${suite}"_main_binary-amd64_Packages* 2>/dev/null | head -n1)
	[ -n "$list" ] || die "no package list for $suite: run scripts/kernels fetch"
	# apt may keep lists compressed (Acquire::GzipIndexes); apt-helper reads any.
	/usr/lib/apt/apt-helper cat-file "$list" | awk -v pat="^($pattern)\$" '
		/^Package:/ { p = $2 } /^Version:/ { v = $2 }
		/^$/ { if (p ~ pat) print p, v; p = v = "" }' |
		sort -V | tail -n1
}

# Whether the kernel whose modules are in directory KMODS has 9p (built in
# or as a module); dies when KMODS has no modules.dep to tell.
kernel_has_9p()
{
	[ -f "$1/modules.dep" ] || die "$1 has no modules.dep: run scripts/kernels fetch"
	grep -q '/9p\.ko' "$1/modules.dep" "$1/modules.builtin" 2>/dev/null
}

# Run a command inside the sid chroot, with /proc mounted in a private mount
# namespace so nothing stays mounted on the host.
in_sid()
{
	unshare --mount --fork -- sh -c '
		root=$1; shift
		mount -t proc proc "$root/proc" || exit 1
		exec chroot "$root" "$@"' sh "$SID_ROOT" "$@"
}

# The chroot's apt follows the system's own choices about the archive
# (e.g. a snapshot mirror whose Release files have expired).
sid_apt()
{
	local valid date
	eval "$(apt-config shell valid Acquire::Check-Valid-Until date Acquire::Check-Date)"
	in_sid apt-get -q ${valid:+-o Acquire::Check-Valid-Until=$valid} \
		${date:+-o Acquire::Check-Date=$date} "$@"
}
