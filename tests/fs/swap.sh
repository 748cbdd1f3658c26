#!/bin/sh
# Memory filled past physical size: pages go to swap (pswpout, pagemap's
# swapped bit, swap/N files) and read back byte-identical.
. "${srcdir:-.}/tests/fs/lib.sh"
# 1 MiB of memory (256 frames), 16 MiB of swap; 4 MiB of data
lab_mount -o mem=1M -o swap=16M

pid=$(lab_spawn filler)
echo "mmap 0x40000000 4M rw-" >"$MNT/$pid/ctl" || fail "mmap"
head -c $((4 << 20)) /dev/urandom >"$T/data"
dd if="$T/data" of="$MNT/$pid/mem" bs=1M seek=$((0x40000000 / 1048576)) \
	conv=notrunc 2>/dev/null || fail "dd write"

out=$(vmstat pswpout)
[ "$out" -gt 700 ] || fail "pswpout $out: memory did not overflow to swap"
grep -q '^SwapFree' "$MNT/meminfo" || fail "meminfo lacks SwapFree"

# pagemap: every one of the 1024 pages is present (bit 63) or swapped
# (bit 62), and more than 700 are swapped
od -An -v -tx8 -w8 -j $((0x40000000 / 4096 * 8)) -N $((1024 * 8)) \
	"$MNT/$pid/pagemap" >"$T/pm" || fail "pagemap read"
swapped=$(awk '{ b = substr($1, 1, 1) } b == "4" { n++ } END { print n + 0 }' "$T/pm")
present=$(awk '{ b = substr($1, 1, 1) } b ~ /[89abcdef]/ { n++ } END { print n + 0 }' "$T/pm")
expect_eq "$((swapped + present))" 1024 "pages present or swapped"
[ "$swapped" -gt 700 ] || fail "only $swapped pages swapped in pagemap"
vmswap=$(awk '/^VmSwap:/ { print $2 }' "$MNT/$pid/status")
expect_eq "$vmswap" "$((swapped * 4))" "VmSwap (kB) against pagemap"
# one swap/N file a used slot, 4 KiB each
nslots=$(ls "$MNT/swap" | wc -l)
[ "$nslots" -ge "$swapped" ] || fail "swap/ lists $nslots slots"
size=$(stat -c %s "$MNT/swap/$(ls "$MNT/swap" | head -n 1)")
expect_eq "$size" 4096 "size of a swap slot file"

# everything reads back byte-identical, through major faults
before=$(vmstat pswpin)
dd if="$MNT/$pid/mem" of="$T/back" bs=1M skip=$((0x40000000 / 1048576)) \
	count=4 2>/dev/null || fail "dd read"
cmp "$T/data" "$T/back" || fail "data differs after swap"
after=$(vmstat pswpin)
[ "$after" -gt "$before" ] || fail "pswpin did not move"
majflt=$(awk '{ print $12 }' "$MNT/$pid/stat")
[ "$majflt" -eq "$after" ] || fail "majflt $majflt, pswpin $after"

# past memory and swap: the write fails with ENOMEM, the OOM killer takes
# the largest process and says so, the machine goes on
big=$(lab_spawn big)
echo "mmap 0x100000000 32M rw-" >"$MNT/$big/ctl"
if head -c $((32 << 20)) /dev/urandom |
	dd of="$MNT/$big/mem" bs=1M seek=4096 conv=notrunc 2>"$T/err"; then
	fail "32 MiB of data fit in 1 MiB of memory and 16 MiB of swap"
fi
grep -q "Cannot allocate memory" "$T/err" || fail "OOM write: $(cat "$T/err")"
grep -q "Out of memory: Killed process $big (big)" "$MNT/log" ||
	fail "no OOM line: $(tail -n 3 "$MNT/log")"
expect_eq "$(awk '/^State:/ { print $2 }' "$MNT/$big/status")" Z "OOM victim state"
expect_eq "$(vmstat oom_kill)" 1 "oom_kill"
dd if="$MNT/$pid/mem" of="$T/back2" bs=1M skip=$((0x40000000 / 1048576)) \
	count=4 2>/dev/null || fail "dd read after the OOM kill"
cmp "$T/data" "$T/back2" || fail "the survivor's data changed"

# a lower PID/limit evicts the process's own pages at once (memory.max)
small=$(lab_spawn small)
echo "mmap 0x10000000 256K rw-" >"$MNT/$small/ctl" || fail "mmap small"
head -c $((256 << 10)) /dev/urandom >"$T/small"
dd if="$T/small" of="$MNT/$small/mem" bs=64K seek=$((0x10000000 / 65536)) \
	conv=notrunc 2>/dev/null || fail "dd write small"
echo 16 >"$MNT/$small/limit" || fail "limit 16"
expect_eq "$(cat "$MNT/$small/limit")" 16 "limit"
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "$MNT/$small/status"; }
expect_eq "$(status_kb VmRSS)" 64 "VmRSS under the limit"
expect_eq "$(status_kb VmSwap)" 192 "VmSwap under the limit"
dd if="$MNT/$small/mem" of="$T/small.back" bs=64K \
	skip=$((0x10000000 / 65536)) count=4 2>/dev/null || fail "dd read small"
cmp "$T/small" "$T/small.back" || fail "data differs under the limit"
exit 0
