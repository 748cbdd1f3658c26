#!/bin/sh
# ctl: several lines a write, comments, errors as the kernel gives them,
# and a bad line leaves the lab as it was.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount

printf 'spawn a # first\n\nspawn b\n' | dd of="$MNT/ctl" bs=4k 2>/dev/null ||
	fail "two spawns"
expect_eq "$(cat "$MNT/last_pid")" 2 "last_pid"
expect_eq "$(ls "$MNT" | grep -c '^[0-9]')" 2 "process directories"
echo "mmap 0x400000 8K rw- populate" >"$MNT/1/ctl" || fail "mmap"
cp "$MNT/1/maps" "$T/maps.before"
cp "$MNT/vmstat" "$T/vmstat.before"

expect_err() { # FILE LINE ERRNO-TEXT (dd says strerror; shells may not)
	if printf '%s\n' "$2" | dd of="$1" bs=4k 2>"$T/err"; then
		fail "'$2' was accepted"
	fi
	grep -q "$3" "$T/err" || fail "'$2': $(cat "$T/err"), expected $3"
}
expect_err "$MNT/1/ctl" "mmapp 0x0 4K rw-" "Invalid argument"
expect_err "$MNT/1/ctl" "mmap 0x400001 4K rw-" "Invalid argument"
expect_err "$MNT/1/ctl" "mmap 0x400000 12Q rw-" "Invalid argument"
expect_err "$MNT/1/ctl" "spawn x" "Invalid argument"
expect_err "$MNT/ctl" "kill 99" "No such file or directory"
expect_err "$MNT/ctl" "frobnicate" "Invalid argument"
grep -q "ctl: line 1 'mmapp 0x0 4K rw-': unknown command 'mmapp'" \
	"$MNT/log" || fail "log does not name the bad line"
grep -q "bad length '12Q'" "$MNT/log" || fail "log does not say what is wrong"
# a failing line stops the write; the lines before it stay done (dd makes
# it one write: a shell's printf may write line by line)
if printf 'mmap 0x800000 4K rw-\nbogus\nmmap 0x900000 4K rw-\n' |
	dd of="$MNT/1/ctl" bs=4k 2>/dev/null; then
	fail "a write with a bad line succeeded"
fi
grep -q '^00800000-00801000 ' "$MNT/1/maps" || fail "line before the bad one undone"
grep -q '^00900000-' "$MNT/1/maps" && fail "line after the bad one done"
echo "munmap 0x800000 4K" >"$MNT/1/ctl" || fail "munmap"
cmp "$T/maps.before" "$MNT/1/maps" || fail "maps changed by bad lines"
# many lines in one cat: writes of 128 KiB cut lines, which still run whole
awk 'BEGIN { for (i = 0; i < 20000; i++)
	printf "touch 0x%x 1 r   # line %d\n", 4194304 + (i % 2) * 4096, i }' \
	>"$T/many"
before=$(vmstat accesses)
cat "$T/many" >"$MNT/1/ctl" || fail "20000 ctl lines"
expect_eq "$(($(vmstat accesses) - before))" 20000 "accesses of 20000 touches"
# a last line without a newline runs at close
printf 'spawn tail' >"$MNT/ctl" || fail "spawn without newline"
expect_eq "$(cat "$MNT/last_pid")" 3 "pid of a line run at close"
echo "kill 3" >"$MNT/ctl"
# no process: ENOENT
[ ! -e "$MNT/7" ] || fail "pid 7 exists"
if cat "$MNT/7/status" 2>/dev/null; then fail "status of pid 7"; fi
# config: a knob takes a value, a bad one is refused
echo lru >"$MNT/config/policy" || fail "set policy"
expect_eq "$(cat "$MNT/config/policy")" lru "policy"
expect_err "$MNT/config/policy" "nonsense" "Invalid argument"
expect_err "$MNT/config/tlb_ways" "3" "Invalid argument"
expect_eq "$(cat "$MNT/config/tlb_ways")" 4 "tlb_ways after a bad value"
if echo 5 >"$MNT/config/frames" 2>/dev/null; then fail "frames written"; fi
# exit removes the process
echo exit >"$MNT/2/ctl" || fail "exit"
[ ! -e "$MNT/2" ] || fail "exited process still there"
exit 0
