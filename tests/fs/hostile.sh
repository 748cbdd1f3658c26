#!/bin/sh
# hostile: what a user who means harm, or only makes mistakes, writes:
# settings with junk after the value, control bytes for the log, changes
# of mode and owner, names made or removed where the tree has none.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount -o mem=16M

pid=$(lab_spawn victim)
frames=$(cat "$MNT/config/frames")

# --- settings take one value, nothing after it ------------------------
refused() { # FILE BYTES(printf format) LOG-TEXT
	before=$(cat "$1")
	# shellcheck disable=SC2059
	if printf "$2" | dd of="$1" bs=4k 2>"$T/err"; then
		fail "$1: '$2' was accepted"
	fi
	grep -q 'Invalid argument' "$T/err" || fail "$1 '$2': $(cat "$T/err")"
	expect_eq "$(cat "$1")" "$before" "$1 after '$2'"
	tail -n 1 "$MNT/log" | grep -qF "$3" ||
		fail "$1 '$2': log says '$(tail -n 1 "$MNT/log")', not '$3'"
}
refused "$MNT/config/policy" 'lru\0garbage' \
	"config: policy: a NUL byte in the value"
refused "$MNT/config/policy" 'lru junk\n' "config: policy: one value expected"
refused "$MNT/$pid/limit" '7\0junk' "pid $pid limit: a NUL byte in the value"
refused "$MNT/$pid/limit" '9 junk words' "pid $pid limit: one value expected"
long=$(printf '%064d' 7)
refused "$MNT/$pid/limit" "$long\n" \
	"pid $pid limit: value longer than 63 bytes"
refused "$MNT/config/seed" "$long\n" "config: seed: value longer than 63 bytes"
refused "$MNT/$pid/limit" "$((frames + 1))\n" \
	"pid $pid limit: $((frames + 1)) pages is more than the machine's $frames frames"
refused "$MNT/$pid/limit" '0x10000000000000\n' "is more than the machine's"
# what is right still goes in, blanks and newline around it
printf ' lru \n' >"$MNT/config/policy" || fail "policy lru"
expect_eq "$(cat "$MNT/config/policy")" lru "policy"
printf '%s\n' "$frames" >"$MNT/$pid/limit" || fail "limit = frames"
expect_eq "$(cat "$MNT/$pid/limit")" "$frames" "limit"
# stat's rsslim (field 25) is the limit in bytes
expect_eq "$(awk '{ print $25 }' "$MNT/$pid/stat")" $((frames * 4096)) \
	"rsslim"

# --- no control byte reaches the log ----------------------------------
printf 'x\033]0;pwned\007\n' >"$MNT/ctl" 2>/dev/null &&
	fail "the bad ctl line was accepted"
tail -n 1 "$MNT/log" | grep -qF "'x?]0;pwned?'" ||
	fail "log: $(tail -n 1 "$MNT/log" | od -c | head -3)"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$MNT/log"; then
	fail "control bytes in the log"
fi

# --- the log past its 16 MiB cap: each byte once, the gap marked -------
spawns() { # N: N processes spawned and killed, a log line each
	awk -v base="$(cat "$MNT/last_pid")" -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "spawn abcdefghijklmno\nkill %d\n", base + i
	}' | dd of="$MNT/ctl" bs=1M 2>/dev/null || fail "spawns"
}
# (a subshell holds the reader's descriptor, so that no failure can leave
# it open and the mount busy)
(
	exec 4<"$MNT/log"
	read -r first <&4 || fail "first log line"
	printf '%s\n' "$first" >"$T/first"
	spawns 400000
	cat <&4 >"$T/behind"
) || exit 1
size=$(stat -c %s "$MNT/log")
cat "$MNT/log" >"$T/log"
mark=$(head -n 1 "$T/log")
case $mark in
"["*"] log: "*" bytes dropped (past the 16 MiB cap)") ;;
*) fail "no marker where the log was cut: $mark" ;;
esac
lost=$(echo "$mark" | sed 's/.*log: \([0-9]*\) bytes.*/\1/')
expect_eq "$(wc -c <"$T/log")" $((size - lost + ${#mark} + 1)) \
	"bytes read: the size less what the marker says was dropped"
expect_eq "$(sort "$T/log" | uniq -d | head -n 3)" "" "lines read twice"
# what follows the marker is the kept text, pids in order, none missed
tail -n +2 "$T/log" | awk '$3 == "spawn:" { if (last && $5 != last + 1)
	{ print "pid " $5 " after " last; exit 1 } last = $5 }' ||
	fail "the kept text is not whole"
# a reader that fell behind is told what it lost, then goes on
first=$(cat "$T/first")
expect_eq "$(head -n 1 "$T/behind" | sed 's/.*log: \([0-9]*\) bytes.*/\1/')" \
	$((lost - ${#first} - 1)) "bytes the reader behind lost"
tail -n +2 "$T/log" >"$T/log.rest"
tail -n +2 "$T/behind" | cmp -s - "$T/log.rest" ||
	fail "the reader behind saw other text than cat"

# --- the tree's own files keep their modes, owners and names ------------
for f in meminfo "$pid/status" ctl config/policy; do
	if chmod 600 "$MNT/$f" 2>"$T/err"; then fail "chmod $f succeeded"; fi
	grep -q 'Operation not permitted' "$T/err" || fail "chmod $f: $(cat "$T/err")"
	if chown 65534 "$MNT/$f" 2>"$T/err"; then fail "chown $f succeeded"; fi
	grep -q 'Operation not permitted' "$T/err" || fail "chown $f: $(cat "$T/err")"
done
expect_eq "$(stat -c %a "$MNT/meminfo")" 444 "meminfo's mode"
expect_eq "$(stat -c %u "$MNT/meminfo")" "$(id -u)" "meminfo's owner"
touch "$MNT/meminfo" || fail "touch: times are ignored, as on /proc"
denied() { # COMMAND...: fails with EACCES (vmlab(7), ERRORS)
	if "$@" 2>"$T/err"; then fail "$* succeeded"; fi
	grep -q 'Permission denied' "$T/err" || fail "$*: $(cat "$T/err")"
}
denied mkdir "$MNT/x"
denied mkdir "$MNT/$pid/x"
denied ln -s a "$MNT/x"
denied ln "$MNT/meminfo" "$MNT/x"
denied rm "$MNT/meminfo"
denied rm "$MNT/$pid/status"
denied rmdir "$MNT/config"
denied mv "$MNT/meminfo" "$MNT/x"
denied mv "$MNT/$pid/status" "$MNT/$pid/stat"
[ -e "$MNT/meminfo" ] && [ -e "$MNT/$pid/status" ] && [ ! -e "$MNT/x" ] ||
	fail "the tree changed"

# --- swap sizes: at most 8 TiB, and 8 TiB works ------------------------
M2=$T/m2
mkdir "$M2"
cleanup2() {
	rc=$?
	fusermount3 -u "$M2" 2>/dev/null || true
	(exit "$rc")
	lab_cleanup
}
trap cleanup2 EXIT
if "$VMLABFS" -o "state=$T/s9,swap=9T" "$M2" 2>"$T/err"; then
	fail "swap=9T was accepted"
fi
grep -q '^vmlabfs: swap out of range (at most 8T' "$T/err" ||
	fail "swap=9T: $(cat "$T/err")"
"$VMLABFS" -o "state=$T/s8,swap=8T" "$M2" 2>"$T/err" ||
	fail "swap=8T: $(cat "$T/err")"
# 8 TiB in kB, less the area's header page, as Linux counts it
expect_eq "$(awk '$1 == "SwapTotal:" { print $2 }' "$M2/meminfo")" \
	$(((8 << 30) - 4)) "SwapTotal of swap=8T"
fusermount3 -u "$M2" || fail "unmount of swap=8T"

# --- a mount point whose vmlabfs was killed ----------------------------
kill -9 "$FSPID"
wait "$FSPID" 2>/dev/null || true
if "$VMLABFS" -o "state=$T/s2" "$MNT" 2>"$T/err"; then
	fail "mounted over a dead server's mount point"
fi
grep -q "Transport endpoint is not connected.*fusermount3 -u $MNT" "$T/err" ||
	fail "no hint: $(cat "$T/err")"
