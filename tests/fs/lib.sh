# lib.sh - mounts a lab for one end-to-end test and always unmounts it.
#
# Usage, from a test script:   . "$srcdir/tests/fs/lib.sh"; lab_mount [opts]
# Sets MNT (the mount point) and T (a private temporary directory).  The
# mount is undone by an EXIT trap whatever happens, also on failure.
set -eu

VMLABFS=${VMLABFS:-./vmlabfs}
T=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-fs-test.XXXXXX")
MNT=$T/mnt
FSPID=
mkdir "$MNT"

lab_unmount() {
	if [ -n "$FSPID" ]; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
		wait "$FSPID" 2>/dev/null || true
		FSPID=
	fi
}

lab_cleanup() {
	rc=$?
	lab_unmount
	if [ "$rc" -ne 0 ] && [ -s "$T/vmlabfs.err" ]; then
		echo "--- vmlabfs stderr:" >&2
		cat "$T/vmlabfs.err" >&2
	fi
	rm -rf "$T"
	exit "$rc"
}
trap lab_cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*" >&2
	if [ -n "$FSPID" ] && [ -r "$MNT/log" ]; then
		echo "--- lab log (last lines):" >&2
		tail -n 15 "$MNT/log" >&2 || true
	fi
	exit 1
}

# Mounts a fresh lab with the given options (state in $T/state).
lab_mount() {
	[ -c /dev/fuse ] || fail "no /dev/fuse"
	"$VMLABFS" -f -o "state=$T/state" "$@" "$MNT" 2>"$T/vmlabfs.err" &
	FSPID=$!
	# wait for the mount: a bounded poll, not a timing assumption
	i=0
	until mountpoint -q "$MNT"; do
		kill -0 "$FSPID" 2>/dev/null || fail "vmlabfs exited: $(cat "$T/vmlabfs.err")"
		i=$((i + 1))
		[ "$i" -lt 600 ] || fail "vmlabfs did not mount"
		sleep 0.05
	done
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# Skips the test (exit 77) where unshare -m is refused.
need_unshare() {
	unshare -m true 2>/dev/null && return 0
	echo "unshare -m is refused here: skipped" >&2
	exit 77
}

# A process "filler" with 2 MiB of random bytes written at 0x40000000,
# more than a lab of mem=1M holds; prints its pid.
lab_filler() {
	_pid=$(lab_spawn filler)
	echo "mmap 0x40000000 2M rw-" >"$MNT/$_pid/ctl" || fail "mmap"
	head -c $((2 << 20)) /dev/urandom |
		dd of="$MNT/$_pid/mem" bs=64K seek=$((0x40000000 / 65536)) \
			conv=notrunc 2>/dev/null || fail "dd write"
	echo "$_pid"
}

# A process; prints its pid.
lab_spawn() {
	echo "spawn ${1:-t}" >"$MNT/ctl" || fail "spawn"
	cat "$MNT/last_pid"
}

# A vmstat counter.
vmstat() {
	awk -v k="$1" '$1 == k { print $2 }' "$MNT/vmstat"
}
