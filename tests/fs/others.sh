#!/bin/sh
# others: with -o allow_other (and no default_permissions) another user
# reaches the mount; the lab itself holds them to the modes it shows.
# phys/mem, phys/frames, swap/N and PID/mem are the owner's; so are the
# files that change the machine.
. "${srcdir:-.}/tests/fs/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: switching to another user needs root" >&2
	exit 77
fi
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
chmod 755 "$T" # the mount point must be reachable by the other user
lab_mount -o allow_other,mem=16M
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

pid=$(lab_spawn owner)
echo 'mmap 0x10000000 8K rw- populate' >"$MNT/$pid/ctl" || fail "mmap"
printf 'SECRET-%s' 7 | dd of="$MNT/$pid/mem" bs=1 seek=$((0x10000000)) \
	conv=notrunc 2>/dev/null || fail "write the secret"
printf 'OTHER' | dd of="$MNT/$pid/mem" bs=1 seek=$((0x10001000)) \
	conv=notrunc 2>/dev/null || fail "write a second page"
echo 1 >"$MNT/$pid/limit" || fail "limit 1"
slots=$(ls "$MNT/swap")
[ -n "$slots" ] || fail "nothing went to swap"
cat "$MNT"/swap/* | grep -q SECRET-7 || fail "the owner cannot read swap"

# the modes shown
for f in phys/mem phys/frames "swap/$(echo "$slots" | head -n 1)" \
	"$pid/pagemap" kpageflags kpagecount; do
	expect_eq "$(stat -c %a "$MNT/$f")" 400 "mode of $f"
done
expect_eq "$(stat -c %a "$MNT/$pid/mem")" 600 "mode of PID/mem"

# what the other user may read: the 0444 files
as_nobody cat "$MNT/meminfo" >/dev/null || fail "others cannot read meminfo"
as_nobody cat "$MNT/$pid/maps" | grep -q '^10000000-10002000 rw-p' ||
	fail "others cannot read maps"

# and may not: the 0400 and 0600 files, for reading
for f in phys/mem phys/frames "$pid/mem" "$pid/pagemap" kpageflags; do
	if as_nobody cat "$MNT/$f" >/dev/null 2>"$T/err"; then
		fail "others read $f"
	fi
	grep -q 'Permission denied' "$T/err" || fail "$f: $(cat "$T/err")"
done
if as_nobody sh -c "cat $MNT/swap/*" >"$T/out" 2>"$T/err"; then
	fail "others read swap/"
fi
grep -q SECRET "$T/out" && fail "others read the swapped-out secret"
grep -q 'Permission denied' "$T/err" || fail "swap/: $(cat "$T/err")"

# nor the files that change the machine, for writing
before=$(cat "$MNT/last_pid")
for f in ctl "$pid/ctl" trace "$pid/trace" config/policy "$pid/limit" \
	"$pid/mem"; do
	if as_nobody dd of="$MNT/$f" conv=notrunc 2>"$T/err" </dev/null; then
		fail "others opened $f for writing"
	fi
	grep -q 'Permission denied' "$T/err" || fail "$f: $(cat "$T/err")"
done
expect_eq "$(cat "$MNT/last_pid")" "$before" "last_pid"
expect_eq "$(cat "$MNT/config/policy")" clock "policy"
expect_eq "$(cat "$MNT/$pid/limit")" 1 "limit"
# the owner still may
echo spawn >"$MNT/ctl" || fail "the owner's spawn"

# files/: the owner's host files, reached with the owner's credentials;
# another user is refused there whatever the host modes say
printf 'PUBLIC\n' >"$MNT/files/pub" || fail "create files/pub"
chmod 644 "$MNT/files/pub"
for cmd in "cat $MNT/files/pub" "ls $MNT/files" "touch $MNT/files/new" \
	"mkdir $MNT/files/d" "rm -f $MNT/files/pub" "chmod 666 $MNT/files/pub"; do
	if as_nobody $cmd >/dev/null 2>"$T/err"; then fail "others: $cmd"; fi
	grep -q 'Permission denied' "$T/err" || fail "$cmd: $(cat "$T/err")"
done
expect_eq "$(cat "$MNT/files/pub")" PUBLIC "files/pub after the attempts"
[ ! -e "$MNT/files/new" ] || fail "others made files/new"

# with -o default_permissions the kernel checks the caller against the
# host's modes, and the lab lets it
lab_unmount
chmod 755 "$T/state/files"
printf 'PRIVATE\n' >"$T/state/files/priv"
chmod 600 "$T/state/files/priv"
lab_mount -o allow_other,default_permissions,mem=16M
expect_eq "$(as_nobody cat "$MNT/files/pub")" PUBLIC "others read a 0644 file"
if as_nobody cat "$MNT/files/priv" >/dev/null 2>"$T/err"; then
	fail "others read a 0600 file"
fi
if as_nobody cat "$MNT/phys/mem" >/dev/null 2>"$T/err"; then
	fail "others read phys/mem with default_permissions"
fi
