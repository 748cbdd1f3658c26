#!/bin/sh
# Where the lab's files follow this machine's kernel in what they show,
# not only in their layout (that is golden.sh): a shared anonymous region
# in maps, no soft-dirty bit, the status keys of Linux 6.x, pagemap and
# mmap ending at TASK_SIZE, clear_refs, the meminfo and vmstat keys, and
# swaps without the header page.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount -o mem=4M -o swap=1M

pid=$(lab_spawn fmt)
P=$MNT/$pid
echo "mmap 0x10000000 16K rw- shared populate" >"$P/ctl" || fail "mmap shared"
echo "mmap 0x20000000 16K rw- shared" >"$P/ctl" || fail "mmap shared 2"
echo "mmap 0x30000000 16K rw- populate" >"$P/ctl" || fail "mmap private"

# maps: shared anonymous memory is a deleted /dev/zero on shmem's device,
# one inode per mapping, the name at byte 73
line=$(grep '^10000000-10004000 ' "$P/maps") || fail "no shared line"
set -- $line
expect_eq "$2 $3 $4 $6 $7" "rw-s 00000000 00:01 /dev/zero (deleted)" \
	"shared anonymous maps line"
ino1=$5
ino2=$(awk '/^20000000-/ { print $5 }' "$P/maps")
[ "$ino1" -gt 0 ] && [ "$ino2" -gt 0 ] && [ "$ino1" != "$ino2" ] ||
	fail "inodes of two shared regions: $ino1 $ino2"
col=$(printf '%s\n' "$line" | awk '{ print index($0, "/dev/zero") - 1 }')
expect_eq "$col" 73 "column of /dev/zero"
echo fork >"$P/ctl" || fail fork
child=$(cat "$MNT/last_pid")
expect_eq "$(awk '/^10000000-/ { print $5 }' "$MNT/$child/maps")" "$ino1" \
	"the child maps the same shmem inode"
# smaps names it too, and its pages are Shmem (Pss_Shmem in the rollup)
grep -q '^10000000-10004000 rw-s 00000000 00:01 .* /dev/zero (deleted)$' \
	"$P/smaps" || fail "smaps header of the shared region"

# no soft-dirty tracking, as this kernel: no "sd" in VmFlags, no bit 55
! grep -q '^VmFlags:.* sd' "$P/smaps" || fail "VmFlags with sd"
grep -q '^VmFlags: rd wr mr mw me gd ac $' "$P/smaps" ||
	fail "stack VmFlags: $(grep VmFlags "$P/smaps" | tail -n 1)"
grep -q '^VmFlags: rd wr sh mr mw me ms $' "$P/smaps" ||
	fail "shared VmFlags: $(grep VmFlags "$P/smaps" | head -n 1)"
e=$(od -An -tx8 -j $((0x30000000 / 4096 * 8)) -N 8 "$P/pagemap" | tr -d ' ')
case $e in
8[01][0-7]*) ;;	# present, bit 55 clear
*) fail "pagemap entry with soft-dirty or not present: $e" ;;
esac
echo "madvise 0x30000000 4K pageout" >"$P/ctl" || fail pageout
e=$(od -An -tx8 -j $((0x30000000 / 4096 * 8)) -N 8 "$P/pagemap" | tr -d ' ')
case $e in
4[01][0-7]*) ;;	# swapped, bit 55 clear
*) fail "swapped pagemap entry: $e" ;;
esac

# status: the keys this kernel prints, where it prints them
keys=$(cut -f1 "$P/status" | tr '\n' ' ')
case $keys in
*"THP_enabled: untag_mask: Threads:"*) ;;
*) fail "untag_mask after THP_enabled: $keys" ;;
esac
case $keys in
*"Seccomp_filters: Speculation_Store_Bypass: SpeculationIndirectBranch: Cpus_allowed:"*) ;;
*) fail "Speculation keys after Seccomp_filters: $keys" ;;
esac
expect_eq "$(grep '^untag_mask:' "$P/status")" \
	"untag_mask:	0xffffffffffffffff" "untag_mask"
mems=$(awk -F'\t' '/^Mems_allowed:/ { print $2 }' "$P/status")
expect_eq "$(printf '%s\n' "$mems" | tr ',' '\n' | wc -l)" 32 "Mems_allowed groups"
expect_eq "${mems##*,}" 00000001 "Mems_allowed: node 0"
printf '%s\n' "$mems" | grep -Eq '^(0{8},){31}0{7}1$' || fail "Mems_allowed: $mems"

# pagemap ends at TASK_SIZE: an entry for the page below, none for the
# last page before 2^47
n=$(dd if="$P/pagemap" bs=8 skip=$((0x7fffffffe)) count=1 2>/dev/null | wc -c)
expect_eq "$n" 8 "pagemap read of the stack's top page"
n=$(dd if="$P/pagemap" bs=8 skip=$((0x7ffffffff)) count=1 2>/dev/null | wc -c)
expect_eq "$n" 0 "pagemap read at TASK_SIZE"

# ... and that page is never mapped: mmap fails with ENOMEM as Linux's
if echo "mmap 0x7ffffffff000 4K rw-" |
	dd of="$P/ctl" conv=notrunc 2>"$T/err" >/dev/null; then
	fail "mmap of the page at TASK_SIZE succeeded"
fi
grep -q "Cannot allocate memory" "$T/err" || fail "mmap error: $(cat "$T/err")"
grep -q "'mmap 0x7ffffffff000 4K rw-': mmap: Cannot allocate memory" \
	"$MNT/log" || fail "mmap error not logged"
! grep -q '^7ffffffff000-' "$P/maps" || fail "the last page is mapped"
# a trace record there is not given a region: the access is refused
tp=$(lab_spawn tracer)
echo "$tp r 0x7ffffffff000" >"$MNT/trace" 2>/dev/null || true
grep -q "pid $tp: user read at 0x7ffffffff000 refused: no mapping" \
	"$MNT/log" || fail "trace access at TASK_SIZE: $(tail -n 2 "$MNT/log")"
! grep -q '^7ffffffff000-' "$MNT/$tp/maps" 2>/dev/null ||
	fail "a trace mapped the last page"

# clear_refs: 1..3 clear the referenced state smaps shows, 4 and 5 are
# accepted, the rest refused
ref() {
	awk -v s="$1" '$1 ~ "^" s "-" { b = 1; next }
		/^[0-9a-f]+-[0-9a-f]+ / { b = 0 }
		b && /^Referenced:/ { print $2 }' "$P/smaps"
}
echo "touch 0x30000000 16K r" >"$P/ctl"
echo "touch 0x10000000 16K r" >"$P/ctl"
expect_eq "$(ref 30000000) $(ref 10000000)" "16 16" "Referenced before"
echo 3 >"$P/clear_refs" || fail "clear_refs 3"
expect_eq "$(ref 30000000) $(ref 10000000)" "16 0" "Referenced after 3 (mapped)"
echo 2 >"$P/clear_refs" || fail "clear_refs 2"
expect_eq "$(ref 30000000)" 0 "Referenced after 2 (anonymous)"
echo "touch 0x30000000 8K r" >"$P/ctl"
expect_eq "$(ref 30000000)" 8 "Referenced after two reads"
printf '1' >"$P/clear_refs" || fail "clear_refs 1"
expect_eq "$(ref 30000000)" 0 "Referenced after 1"
for v in 4 5 " 5 " +1; do
	echo "$v" >"$P/clear_refs" || fail "clear_refs '$v' refused"
done
for v in 0 6 -1 0x4 "1 2" junk; do
	if echo "$v" >"$P/clear_refs" 2>/dev/null; then
		fail "clear_refs '$v' accepted"
	fi
done
grep -q "pid $pid clear_refs: not a number from 1 to 5" "$MNT/log" ||
	fail "clear_refs error not logged"
if cat "$P/clear_refs" >/dev/null 2>&1; then
	fail "clear_refs could be read"
fi
expect_eq "$(stat -c %a "$P/clear_refs")" 200 "clear_refs mode"

# meminfo: this kernel's keys, in its order
keys=$(cut -d: -f1 "$MNT/meminfo" | tr '\n' ' ')
for k in "SwapFree Zswap Zswapped Dirty" "FilePmdMapped Balloon HugePages_Total" \
	"Hugetlb DirectMap4k DirectMap2M "; do
	case " $keys" in
	*" $k"*) ;;
	*) fail "meminfo keys: '$k' not in $keys" ;;
	esac
done
total=$(awk '/^MemTotal:/ { print $2 }' "$MNT/meminfo")
expect_eq "$(awk '/^DirectMap4k:/ { print $2 }' "$MNT/meminfo")" "$total" \
	"DirectMap4k is all memory"

# vmstat: Linux's names in Linux's order; no "pgalloc", pgpgin and pgpgout
# in KiB of swap I/O (one page was swapped out above)
! grep -q '^pgalloc ' "$MNT/vmstat" || fail "vmstat has pgalloc"
keys=$(cut -d' ' -f1 "$MNT/vmstat" | tr '\n' ' ')
case $keys in
*" pgpgin pgpgout pswpin pswpout pgalloc_dma pgalloc_dma32 pgalloc_normal "*) ;;
*) fail "vmstat order: $keys" ;;
esac
expect_eq "$(vmstat pgpgout)" $(($(vmstat pswpout) * 4)) "pgpgout (KiB)"
[ "$(vmstat pgalloc_normal)" -gt 0 ] || fail "pgalloc_normal is 0"
i_free=$(printf '%s\n' $keys | grep -n '^pgfree$' | cut -d: -f1)
i_normal=$(printf '%s\n' $keys | grep -n '^pgalloc_normal$' | cut -d: -f1)
i_lab=$(printf '%s\n' $keys | grep -n '^accesses$' | cut -d: -f1)
i_last=$(printf '%s\n' $keys | grep -n '^nr_unstable$' | cut -d: -f1)
[ "$i_normal" -lt "$i_free" ] && [ "$i_last" -lt "$i_lab" ] ||
	fail "vmstat order: pgalloc_normal $i_normal pgfree $i_free nr_unstable $i_last accesses $i_lab"

# swaps: Size leaves the header page out (1 MiB = 256 pages, 255 slots),
# as SwapTotal does
set -- $(sed -n 2p "$MNT/swaps")
expect_eq "$3" 1020 "swaps Size (KiB)"
expect_eq "$(awk '/^SwapTotal:/ { print $2 }' "$MNT/meminfo")" 1020 "SwapTotal"
expect_eq "$(cat "$MNT/config/swap_pages")" 256 "swap_pages"
exit 0
