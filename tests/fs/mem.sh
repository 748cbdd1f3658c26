#!/bin/sh
# PID/mem: bytes written with dd and printf read back with hexdump and od;
# protection and holes answer EIO; counters move as the machine's own.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount

pid=$(lab_spawn writer)
expect_eq "$pid" 1 "first pid"
[ -d "$MNT/1" ] || fail "no directory for pid 1"
echo "mmap 0x10000000 64K rw-" >"$MNT/1/ctl" || fail "mmap"
echo "mmap 0x10010000 4K r--" >"$MNT/1/ctl" || fail "mmap r--"

# a pattern across a page boundary, through dd at an offset
head -c 10000 /dev/urandom >"$T/pattern"
dd if="$T/pattern" of="$MNT/1/mem" bs=10000 count=1 \
	seek=$((0x10000000 + 3000)) oflag=seek_bytes conv=notrunc 2>/dev/null ||
	fail "dd write"
dd if="$MNT/1/mem" of="$T/back" bs=10000 count=1 \
	skip=$((0x10000000 + 3000)) iflag=skip_bytes 2>/dev/null || fail "dd read"
cmp "$T/pattern" "$T/back" || fail "bytes differ after a round trip"

# printf, then hexdump of exactly those bytes
printf 'vmlab!' | dd of="$MNT/1/mem" bs=1 seek=$((0x10008000)) conv=notrunc \
	2>/dev/null || fail "printf write"
got=$(dd if="$MNT/1/mem" bs=1 skip=$((0x10008000)) count=6 2>/dev/null |
	hexdump -v -e '6/1 "%02x"')
expect_eq "$got" "766d6c616221" "hexdump of written bytes"
# never-written bytes of a mapped page are zeros
got=$(dd if="$MNT/1/mem" bs=16 skip=$((0x1000a000 / 16)) count=1 2>/dev/null |
	od -An -tx1 | tr -d ' \n')
expect_eq "$got" "00000000000000000000000000000000" "fresh page"

# a read-only page refuses a write; an unmapped address refuses both
if printf 'x' | dd of="$MNT/1/mem" bs=1 seek=$((0x10010000)) conv=notrunc \
	2>"$T/err"; then
	fail "write to a read-only page succeeded"
fi
grep -q "Input/output error" "$T/err" || fail "read-only write: $(cat "$T/err")"
if dd if="$MNT/1/mem" of=/dev/null bs=16 count=1 skip=$((0x20000000 / 16)) \
	2>"$T/err"; then
	fail "read of unmapped memory succeeded"
fi
grep -q "Input/output error" "$T/err" || fail "hole read: $(cat "$T/err")"
# a read that runs from mapped into unmapped memory is short
n=$(dd if="$MNT/1/mem" bs=8192 count=1 skip=$(((0x10011000 - 4096) / 8192)) \
	2>/dev/null | wc -c)
expect_eq "$n" 4096 "short read at the end of a mapping"
# the process was not killed: mem accesses only fail
grep -q '^State:.*R' "$MNT/1/status" || fail "process state: $(grep State "$MNT/1/status")"
grep -q "pid 1: user write at 0x10010000 refused: region is r--" "$MNT/log" ||
	fail "the refused write is not in the log"
grep -q "pid 1: user read at 0x20000000 refused: no mapping" "$MNT/log" ||
	fail "the refused read is not in the log"

# pages touched: 4 by the pattern, 1 by printf, 1 fresh, 1 read-only:
# 7 demand-zero faults, counted in vmstat
expect_eq "$(vmstat demand_zero)" 7 "demand_zero"
[ "$(vmstat prot_fault)" -ge 2 ] || fail "prot_fault not counted"

# an unaligned 100-byte read across two pages of a process limited to one
# frame: nothing may be pinned that starves it; no one is killed and the
# read is whole
by=$(lab_spawn bystander)
echo "mmap 0x10000000 64K rw- populate" >"$MNT/$by/ctl" || fail "bystander"
lim=$(lab_spawn limited)
echo "mmap 0x30000000 8K rw-" >"$MNT/$lim/ctl" || fail "mmap limited"
printf L | dd of="$MNT/$lim/mem" bs=1 seek=$((0x30000fce)) conv=notrunc \
	2>/dev/null
printf R | dd of="$MNT/$lim/mem" bs=1 seek=$((0x30001000)) conv=notrunc \
	2>/dev/null
echo 1 >"$MNT/$lim/limit" || fail "limit 1"
dd if="$MNT/$lim/mem" bs=100 count=1 iflag=skip_bytes skip=$((0x30000fce)) \
	of="$T/spans" 2>/dev/null || fail "the read across two pages failed"
expect_eq "$(wc -c <"$T/spans")" 100 "bytes of the read across two pages"
expect_eq "$(head -c 1 "$T/spans")" L "its first byte"
expect_eq "$(dd if="$T/spans" bs=1 skip=50 count=1 2>/dev/null)" R \
	"its byte on the second page"
expect_eq "$(vmstat oom_kill)" 0 "OOM kills of the read across pages"
grep -q '^State:.*R' "$MNT/$by/status" || fail "the bystander was killed"
exit 0
