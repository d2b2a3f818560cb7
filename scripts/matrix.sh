#!/usr/bin/env bash
# make test-matrix: run the whole suite on every supported PostgreSQL major,
# each in a minimal Debian root of the release that ships it, then build the
# Debian package there, install it in a clean root and run installcheck
# against it (as autopkgtest would).
#
#   SDDL_MATRIX_DIR   where the roots are kept (default /var/cache/safe_ddl-matrix)
#   SDDL_MATRIX       "major:release ..." (default below); a release may be
#                     written release+security to add its security suite
#   SDDL_MIRROR       Debian mirror (default http://deb.debian.org/debian)
#   SDDL_MATRIX_STEPS which steps to run: test, package, installcheck (all);
#                     "roots" only makes the roots
#
# The roots are built once (debootstrap) and reused; each run only copies
# the working tree in again.  /proc, /dev/pts and a /dev/shm are mounted in
# a root while it is used, and unmounted on exit, whatever happened.
# Prints one line per major and step, then the total "N passed, M failed".
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${SDDL_MATRIX_DIR:-/var/cache/safe_ddl-matrix}
MATRIX=${SDDL_MATRIX:-"13:bullseye 15:bookworm 17:trixie 18:sid"}
MIRROR=${SDDL_MIRROR:-http://deb.debian.org/debian}
STEPS=${SDDL_MATRIX_STEPS:-"test package installcheck"}
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { printf '\n=== %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "the matrix builds chroots: run it as root" >&2
	exit 1
fi
if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		{ echo "cannot install debootstrap" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
mkdir -p "$DIR/logs"

# --- mounts, undone on any exit ------------------------------------------
MOUNTS=()
ROOTS_USED=()

mount_root() {
	local root=$1
	ROOTS_USED+=("$root")
	mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc" && MOUNTS+=("$root/proc"); }
	mkdir -p "$root/dev/pts" "$root/dev/shm"
	mountpoint -q "$root/dev/pts" || { mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" && MOUNTS+=("$root/dev/pts"); }
	mountpoint -q "$root/dev/shm" || { mount -t tmpfs -o mode=1777,size=512m shm "$root/dev/shm" && MOUNTS+=("$root/dev/shm"); }
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}

# Stop what still runs inside a root (a cluster left by an interrupted
# test): only processes whose root directory is that root.
kill_in_root() {
	local root pid link
	root=$(readlink -f "$1")
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		link=$(readlink "/proc/$pid/root" 2>/dev/null) || continue
		[ "$link" = "$root" ] && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# Background jobs (root preparation) are stopped first: each unmounts
# what it mounted when it exits.
CHILDREN=()
stop_children() {
	local pid root
	[ ${#CHILDREN[@]} -eq 0 ] && return 0
	for pid in "${CHILDREN[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for root in "$DIR"/*.build "$DIR"/*.clean; do
		[ -d "$root" ] && kill_in_root "$root"
	done
	for pid in "${CHILDREN[@]}"; do wait "$pid" 2>/dev/null; done
	CHILDREN=()
}

unmount_all() {
	local i root
	stop_children
	for root in "${ROOTS_USED[@]}"; do kill_in_root "$root"; done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null ||
			echo "could not unmount ${MOUNTS[i]}" >&2
	done
	MOUNTS=()
	ROOTS_USED=()
}
# fd 3: the script's own stderr, also where a step's output is redirected.
exec 3>&2
trap unmount_all EXIT
trap 'echo "interrupted: unmounting" >&3; exit 130' INT TERM HUP

# Run a command in a root.  In the background, waited for: a signal to the
# script is handled at once (the trap kills what runs in the roots), not
# when the command ends.
in_root() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i HOME=/root PATH="$CHROOT_PATH" LANG=C.UTF-8 \
		TERM=dumb DEBIAN_FRONTEND=noninteractive bash -c "$*" &
	wait $!
}

apt_in_root() {
	local root=$1
	shift
	in_root "$root" "apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confold $* >/dev/null && apt-get clean"
}

# --- roots ----------------------------------------------------------------
# $DIR/<release>.base: debootstrap, apt sources, no services started, no
# main cluster created.  Never changed afterwards: the other roots copy it.
make_base() {
	local release=$1 suite=${1%+security} base="$DIR/$1.base"
	[ -f "$base/.sddl-base" ] && return 0
	# A debootstrap that did not finish leaves its /debootstrap directory.
	if [ ! -f "$base/etc/debian_version" ] || [ -d "$base/debootstrap" ]; then
		say "$release: debootstrap (log: $DIR/logs/$release-debootstrap.log)"
		rm -rf "$base"
		debootstrap --variant=minbase "$suite" "$base" "$MIRROR" \
			>"$DIR/logs/$release-debootstrap.log" 2>&1 ||
			{ tail -20 "$DIR/logs/$release-debootstrap.log" >&2; return 1; }
	fi
	{
		echo "deb $MIRROR $suite main"
		[ "$suite" != sid ] && echo "deb $MIRROR $suite-updates main"
		if [ "$release" != "$suite" ]; then
			echo "deb ${MIRROR%/debian}/debian-security $suite-security main"
		fi
	} >"$base/etc/apt/sources.list"
	# sid's Release file may be older than its Valid-Until on a mirror snapshot.
	echo 'Acquire::Check-Valid-Until "false";' >"$base/etc/apt/apt.conf.d/99sddl-valid-until"
	printf '#!/bin/sh\nexit 101\n' >"$base/usr/sbin/policy-rc.d"
	chmod 755 "$base/usr/sbin/policy-rc.d"
	mkdir -p "$base/etc/postgresql-common"
	echo "create_main_cluster = false" >"$base/etc/postgresql-common/createcluster.conf"
	touch "$base/.sddl-base"
}

# A copy of the base with packages installed; $3 names what it is for.
make_root() {
	local release=$1 kind=$2 packages=$3 root="$DIR/$1.$2"
	[ -f "$root/.sddl-$kind" ] && return 0
	say "$release: $kind root (log: $DIR/logs/$release-$kind.log)"
	rm -rf "$root"
	cp -a "$DIR/$release.base" "$root" || return 1
	mount_root "$root"
	apt_in_root "$root" "$packages" >"$DIR/logs/$release-$kind.log" 2>&1 ||
		{ tail -20 "$DIR/logs/$release-$kind.log" >&2; return 1; }
	touch "$root/.sddl-$kind"
}

# Copy the working tree (tracked and untracked files, not the ignored
# ones: no objects of another build) to $2 inside a root.
copy_source() {
	local dest=$1
	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -z -co --exclude-standard |
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$dest" -xf -
	else
		tar -C "$TOP" --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			-cf - . | tar -C "$dest" -xf -
	fi
}

# --- results --------------------------------------------------------------
TOTAL_OK=0
TOTAL_BAD=0
LINES=()
record() {
	local name=$1 ok=$2 bad=$3
	TOTAL_OK=$((TOTAL_OK + ok))
	TOTAL_BAD=$((TOTAL_BAD + bad))
	LINES+=("$name: $ok passed, $bad failed")
	echo "$name: $ok passed, $bad failed"
}

# The counts of the last "N passed, M failed" line of a log.
last_counts() {
	sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$1" | tail -1
}

# pg_regress / pg_isolation_regress output: "test x ... ok" (PG <= 15) or
# "ok 1 - x" (PG 16+).
regress_counts() {
	local ok bad
	ok=$(grep -cE '^(test |     )?[a-z0-9_]+ +\.\.\. ok|^ok [0-9]+ +[-+] ' "$1")
	bad=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+ ' "$1")
	echo "$ok $bad"
}

# --- one major ------------------------------------------------------------
build_packages() {
	echo "build-essential fakeroot debhelper postgresql-$1 postgresql-server-dev-$1 \
		postgresql-server-dev-all postgresql-$1-pgtap libtap-parser-sourcehandler-pgtap-perl \
		libipc-run-perl postgresql-$1-pgaudit"
}
# The clean root: what autopkgtest installs besides the package.
clean_packages() {
	echo "postgresql-$1 postgresql-server-dev-$1 postgresql-server-dev-all make"
}

# All roots at once (downloads mostly), before any test runs.
prepare_roots() {
	local entry major release pids=() status=0
	for entry in $MATRIX; do
		major=${entry%%:*}
		release=${entry#*:}
		(
			CHILDREN=()
			trap unmount_all EXIT
			trap 'exit 130' INT TERM HUP
			make_base "$release" &&
				make_root "$release" build "$(build_packages "$major")" &&
				make_root "$release" clean "$(clean_packages "$major")"
		) &
		pids+=($!)
	done
	CHILDREN=("${pids[@]}")
	for pid in "${pids[@]}"; do wait "$pid" || status=1; done
	CHILDREN=()
	return $status
}

run_major() {
	local major=$1 release=$2 tag="pg$1" build clean log counts
	build="$DIR/$release.build"
	clean="$DIR/$release.clean"

	if ! make_base "$release" ||
		! make_root "$release" build "$(build_packages "$major")"; then
		record "$tag" 0 1
		unmount_all
		return
	fi
	mount_root "$build"
	copy_source "$build/build/safe_ddl"

	if [[ " $STEPS " == *" test "* ]]; then
		log="$DIR/logs/$release-test.log"
		say "$tag ($release): make test (log: $log)"
		in_root "$build" "cd /build/safe_ddl && make test" >"$log" 2>&1
		sed -n '/^== summary/,$p' "$log"
		counts=$(last_counts "$log")
		# shellcheck disable=SC2086
		if [ -n "$counts" ]; then record "$tag" $counts; else tail -30 "$log"; record "$tag" 0 1; fi
	fi

	local debs_ok=0
	if [[ " $STEPS " == *" package "* ]]; then
		log="$DIR/logs/$release-package.log"
		say "$tag ($release): dpkg-buildpackage (log: $log)"
		rm -rf "$build/build/pkg"
		copy_source "$build/build/pkg/safe-ddl"
		if in_root "$build" "cd /build/pkg/safe-ddl && PG_UPDATECONTROL=yes pg_buildext updatecontrol &&
				dpkg-buildpackage -us -uc -b" >"$log" 2>&1 &&
			ls "$build"/build/pkg/postgresql-"$major"-safe-ddl_*.deb >/dev/null 2>&1; then
			ls "$build"/build/pkg/*.deb
			record "$tag package" 1 0
			debs_ok=1
		else
			tail -30 "$log"
			record "$tag package" 0 1
		fi
	fi

	if [[ " $STEPS " == *" installcheck "* ]] && [ "$debs_ok" -eq 1 ]; then
		log="$DIR/logs/$release-installcheck.log"
		say "$tag ($release): the package in a clean root, installcheck (log: $log)"
		if ! make_root "$release" clean "$(clean_packages "$major")"; then
			record "$tag deb installcheck" 0 1
		else
			mount_root "$clean"
			rm -rf "$clean/build"
			mkdir -p "$clean/build/debs"
			cp "$build"/build/pkg/postgresql-"$major"-safe-ddl_*.deb "$clean/build/debs/"
			copy_source "$clean/build/safe_ddl"
			# The source tree as autopkgtest gets it: nothing built.
			in_root "$clean" "dpkg --purge postgresql-$major-safe-ddl >/dev/null 2>&1;
				apt-get install -y -qq --no-install-recommends /build/debs/*.deb >/dev/null &&
				cd /build/safe_ddl && debian/tests/installcheck" >"$log" 2>&1
			local rc=$?
			grep -E '^(test |     )?[a-z0-9_]+ +\.\.\. |^(not )?ok [0-9]+ ' "$log" || tail -30 "$log"
			counts=$(regress_counts "$log")
			set -- $counts
			if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
				tail -30 "$log"
				record "$tag deb installcheck" "$1" 1
			else
				record "$tag deb installcheck" "$1" "$2"
			fi
		fi
	elif [[ " $STEPS " == *" installcheck "* ]]; then
		record "$tag deb installcheck" 0 1
	fi
	unmount_all
}

START=$(date +%s)
prepare_roots
[[ " $STEPS " == *" roots "* ]] && exit 0
for entry in $MATRIX; do
	run_major "${entry%%:*}" "${entry#*:}"
done

say "matrix summary ($(($(date +%s) - START))s)"
printf '%s\n' "${LINES[@]}"
echo "$TOTAL_OK passed, $TOTAL_BAD failed"
[ "$TOTAL_BAD" -eq 0 ] && [ "$TOTAL_OK" -gt 0 ]
