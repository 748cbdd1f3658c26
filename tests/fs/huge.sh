#!/bin/sh
# Huge pages as Linux shows them: a huge=2M region (transparent huge
# pages) and a huge=1G one (hugetlb) read back through translate/, smaps,
# smaps_rollup, status, statm, meminfo, vmstat, pagemap, kpageflags,
# kpagecount and phys/frames, with exact numbers; pmap -X over them; then
# a 4 KiB munmap splits a 2 MiB page and every format follows.
. "${srcdir:-.}/tests/fs/lib.sh"
# 1 GiB of frames for the 1 GiB page, 16 MiB more for the rest
lab_mount -o mem=1040M

pid=$(lab_spawn huge)
P=$MNT/$pid
# smaps field KEY of the block that starts at ADDR (hex, no 0x)
smap() {
	awk -v a="$1-" -v k="$2:" 'index($0, a) == 1 { b = 1; next }
		/^[0-9a-f]+-[0-9a-f]+ / { b = 0 }
		b && $1 == k { print $2; exit }' "$P/smaps"
}
smap_flags() {
	awk -v a="$1-" 'index($0, a) == 1 { b = 1 }
		b && /^VmFlags:/ { sub(/^VmFlags: /, ""); print; exit }' "$P/smaps"
}
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' "$MNT/meminfo"
}
status() {
	awk -v k="$1:" '$1 == k { print $2 }' "$P/status"
}
# the 8-byte entry INDEX of FILE, 16 hex digits
u64() {
	od -An -tx8 -j $(($2 * 8)) -N 8 "$1" | tr -d ' '
}
kpf() {
	printf '%d' "0x$(u64 "$MNT/kpageflags" "$1")"
}
# the physical frame translate/ gives for VA, and the page size it names
xlate_pfn() {
	sed -n 's/^physical 0x[0-9a-f]* (pfn \([0-9]*\), .*/\1/p' "$P/translate/$1"
}
xlate_size() {
	sed -n 's/^physical .*, \([0-9A-Z]*\) page)$/\1/p' "$P/translate/$1"
}
# pagemap entries of COUNT pages from VA, each checked: present and
# exclusive when EXCL is 1 (bits 63 and 56), PFN FIRST + index
check_pagemap() {
	od -An -v -tx8 -j $(($1 / 4096 * 8)) -N $(($2 * 8)) "$P/pagemap" |
		tr -s ' ' '\n' | grep . >"$T/pm"
	expect_eq "$(wc -l <"$T/pm")" "$2" "pagemap entries from $1"
	awk -v first="$3" -v top="$4" '{
		want = sprintf("%s%013x", top, first + NR - 1)
		if ($1 != want) { print NR - 1 ": " $1 " != " want; exit 1 }
	}' "$T/pm" || fail "pagemap from $1: $(awk -v first="$3" -v top="$4" '{
		want = sprintf("%s%013x", top, first + NR - 1)
		if ($1 != want) { print NR - 1 ": " $1 " != " want; exit }
	}' "$T/pm")"
}

thp0=$(vmstat thp_fault_alloc)
echo "mmap 0x40000000 4M rw- huge=2M populate" >"$P/ctl"
echo "mmap 0x80000000 1G rw- huge=1G" >"$P/ctl"
echo "touch 0x80000000 8 w" >"$P/ctl"
expect_eq "$(vmstat thp_fault_alloc)" $((thp0 + 2)) "thp_fault_alloc"

# translate/: the walk stops at the PS leaf, with the page's size
x=$P/translate/0x40201234
grep -q '^PD   index   1 (0x001) entry 0x[0-9a-f]* P .*PS' "$x" ||
	fail "translate of a 2M page: no PS leaf in the PD: $(cat "$x")"
grep -q '^PT ' "$x" && fail "translate of a 2M page walks on to a PT: $(cat "$x")"
expect_eq "$(xlate_size 0x40201234)" 2M "translate page size (2M)"
pd=$(sed -n 's/^PD .* entry 0x\([0-9a-f]*\) .*/\1/p' "$x")
head2=$((0x${pd#???} >> 12)) # bits 51..12: past NX and the rest
expect_eq "$(xlate_pfn 0x40201234)" $((head2 + 1)) "pfn of 0x40201234"
grep -q "^physical 0x$(printf '%x' $((head2 * 4096 + 0x1234))) " "$x" ||
	fail "translate physical address: $(cat "$x")"
x=$P/translate/0x80345678
grep -q '^PDPT index   2 (0x002) entry 0x[0-9a-f]* P .*PS' "$x" ||
	fail "translate of a 1G page: no PS leaf in the PDPT: $(cat "$x")"
grep -q '^PD ' "$x" && fail "translate of a 1G page walks on: $(cat "$x")"
expect_eq "$(xlate_size 0x80345678)" 1G "translate page size (1G)"
pdpt=$(sed -n 's/^PDPT .* entry 0x\([0-9a-f]*\) .*/\1/p' "$x")
head1=$((0x${pdpt#???} >> 12))
expect_eq $((head1 % 262144)) 0 "1G page's first frame is 1 GiB aligned"
expect_eq "$(xlate_pfn 0x80345678)" $((head1 + 0x345)) "pfn of 0x80345678"
first2=$(xlate_pfn 0x40000000)
second2=$(xlate_pfn 0x40200000)
expect_eq $((first2 % 512)) 0 "2M page's first frame is 2 MiB aligned"

# smaps: THP in Rss and AnonHugePages with 4 kB page sizes; hugetlb apart
expect_eq "$(smap 40000000 Rss)" 4096 "2M region Rss"
expect_eq "$(smap 40000000 AnonHugePages)" 4096 "2M region AnonHugePages"
expect_eq "$(smap 40000000 Anonymous)" 4096 "2M region Anonymous"
expect_eq "$(smap 40000000 KernelPageSize)" 4 "2M region KernelPageSize"
expect_eq "$(smap 40000000 MMUPageSize)" 4 "2M region MMUPageSize"
expect_eq "$(smap 40000000 Private_Hugetlb)" 0 "2M region Private_Hugetlb"
expect_eq "$(smap 40000000 THPeligible)" 1 "2M region THPeligible"
expect_eq "$(smap_flags 40000000)" "rd wr mr mw me ac hg " "2M region VmFlags"
expect_eq "$(smap 80000000 Rss)" 0 "1G region Rss"
expect_eq "$(smap 80000000 Private_Hugetlb)" 1048576 "1G region Private_Hugetlb"
expect_eq "$(smap 80000000 AnonHugePages)" 0 "1G region AnonHugePages"
expect_eq "$(smap 80000000 KernelPageSize)" 1048576 "1G region KernelPageSize"
expect_eq "$(smap 80000000 MMUPageSize)" 1048576 "1G region MMUPageSize"
expect_eq "$(smap 80000000 THPeligible)" 0 "1G region THPeligible"
expect_eq "$(smap_flags 80000000)" "rd wr mr mw me de ht " "1G region VmFlags"
grep -q '^Private_Hugetlb: 1048576 kB$' "$P/smaps" ||
	fail "Private_Hugetlb layout: $(grep Private_Hugetlb "$P/smaps")"
rss_all=$(awk '$1 == "Rss:" { s += $2 } END { print s }' "$P/smaps")
awk '$1 == "AnonHugePages:" || $1 == "Private_Hugetlb:" { print $2 }' \
	"$P/smaps_rollup" | tr '\n' ' ' >"$T/roll"
expect_eq "$(cat "$T/roll")" "4096 1048576 " "smaps_rollup huge lines"

# status, statm: hugetlb pages in HugetlbPages, not in the RSS
expect_eq "$(status HugetlbPages)" 1048576 "status HugetlbPages"
expect_eq "$(status VmRSS)" "$rss_all" "status VmRSS = smaps Rss"
expect_eq "$(status RssAnon)" "$rss_all" "status RssAnon"
set -- $(cat "$P/statm")
expect_eq "$2" $((rss_all / 4)) "statm resident (pages)"

# meminfo, vmstat
expect_eq "$(meminfo AnonHugePages)" 4096 "meminfo AnonHugePages"
expect_eq "$(meminfo Hugepagesize)" 2048 "meminfo Hugepagesize"
expect_eq "$(meminfo Hugetlb)" 1048576 "meminfo Hugetlb"
expect_eq "$(meminfo HugePages_Total) $(meminfo HugePages_Free)" "0 0" \
	"meminfo HugePages_Total and _Free (the default 2M pool)"
[ "$(meminfo AnonPages)" -ge 4096 ] || fail "AnonPages $(meminfo AnonPages) < 4096"
[ "$(meminfo AnonPages)" -lt 8192 ] || fail "AnonPages counts the 1G page"
expect_eq "$(vmstat nr_anon_transparent_hugepages)" 2 "nr_anon_transparent_hugepages"
expect_eq "$(vmstat nr_hugetlb)" 262144 "nr_hugetlb"

# pagemap: one entry per 4 KiB page, PFN head + index, present, exclusive
check_pagemap $((0x40000000)) 512 "$first2" 810
check_pagemap $((0x40200000)) 512 "$second2" 810
check_pagemap $((0x80000000)) 1024 "$head1" 810
check_pagemap $((0xbffff000)) 1 $((head1 + 262143)) 810

# kpageflags: COMPOUND_HEAD (15) on the head, COMPOUND_TAIL (16) on the
# tails, THP (22) for 2M, HUGE (17) for 1G; hugetlb is not LRU (5)
bits() { # FLAGS: which of 5 15 16 17 22 are set
	for b in 5 15 16 17 22; do
		[ $(($1 >> b & 1)) -eq 1 ] && printf '%s ' "$b"
	done
	echo
}
expect_eq "$(bits "$(kpf "$first2")")" "5 15 22 " "kpageflags of a 2M head"
expect_eq "$(bits "$(kpf $((first2 + 1)))")" "5 16 22 " "kpageflags of a 2M tail"
expect_eq "$(bits "$(kpf $((first2 + 511)))")" "5 16 22 " "kpageflags of the last 2M tail"
expect_eq "$(bits "$(kpf "$head1")")" "15 17 " "kpageflags of a 1G head"
expect_eq "$(bits "$(kpf $((head1 + 262143)))")" "16 17 " "kpageflags of a 1G tail"
expect_eq "$(bits "$(kpf $((first2 + 1024)))")" "" "kpageflags past the 2M pages"
expect_eq "$(printf '%d' "0x$(u64 "$MNT/kpagecount" $((first2 + 7)))")" 1 "kpagecount of a 2M tail"

# phys/frames: the head and a tail say what they are
awk -v h="$first2" '$1 == h { print $3, $5 }' "$MNT/phys/frames" >"$T/fr"
expect_eq "$(cat "$T/fr")" "1 lru,head,thp" "phys/frames of a 2M head"
awk -v h=$((first2 + 3)) '$1 == h { print $3, $4, $5 }' "$MNT/phys/frames" >"$T/fr"
expect_eq "$(cat "$T/fr")" "1 - lru,tail,thp" "phys/frames of a 2M tail"

# a forked child shares both pages: kpagecount 2, pagemap not exclusive
echo fork >"$P/ctl"
child=$(cat "$MNT/last_pid")
expect_eq "$(printf '%d' "0x$(u64 "$MNT/kpagecount" $((first2 + 7)))")" 2 "kpagecount after fork"
expect_eq "$(printf '%d' "0x$(u64 "$MNT/kpagecount" $((head1 + 7)))")" 2 "kpagecount of 1G after fork"
check_pagemap $((0x40000000)) 4 "$first2" 800
expect_eq "$(smap 40000000 Pss)" 2048 "2M region Pss when shared"
expect_eq "$(smap 80000000 Shared_Hugetlb)" 1048576 "1G region Shared_Hugetlb"
echo exit >"$MNT/$child/ctl"

# pmap -X and -XX in a private mount namespace read the huge mappings
# pmap_col FILE NAME: NAME's column for the 2M and 1G regions
pmap_col() {
	awk -v n="$2" '/ Address / { for (i = 1; i <= NF; i++) if ($i == n) c = i }
		c && ($1 == "40000000" || $1 == "80000000") { printf "%s ", $c }' "$1"
}
if command -v pmap >/dev/null && unshare -m true 2>/dev/null; then
	for o in X XX; do
		unshare -m sh -c "mount --bind '$MNT' /proc && pmap -$o $pid" \
			>"$T/pmap$o" 2>&1 || fail "pmap -$o: $(cat "$T/pmap$o")"
	done
	expect_eq "$(pmap_col "$T/pmapX" Rss)" "4096 0 " "pmap -X Rss"
	expect_eq "$(pmap_col "$T/pmapX" Private_Hugetlb)" "0 1048576 " "pmap -X Private_Hugetlb"
	expect_eq "$(pmap_col "$T/pmapX" THPeligible)" "1 0 " "pmap -X THPeligible"
	expect_eq "$(pmap_col "$T/pmapXX" AnonHugePages)" "4096 0 " "pmap -XX AnonHugePages"
	expect_eq "$(pmap_col "$T/pmapXX" KernelPageSize)" "4 1048576 " "pmap -XX KernelPageSize"
	grep -q 'rd wr mr mw me de ht' "$T/pmapXX" || fail "pmap -XX VmFlags: $(cat "$T/pmapXX")"
elif command -v pmap >/dev/null; then
	echo "unshare -m is refused here: pmap -X not checked" >&2
else
	fail "pmap (procps) is not installed"
fi

# munmap of one 4 KiB page splits the first 2 MiB page, for good
split0=$(vmstat thp_split_pmd)
echo "munmap 0x40001000 4K" >"$P/ctl"
expect_eq "$(vmstat thp_split_pmd)" $((split0 + 1)) "thp_split_pmd after a cut"
expect_eq "$(vmstat thp_split_page)" 1 "thp_split_page after a cut"
grep -q '^PT ' "$P/translate/0x40000000" ||
	fail "split page still a PS leaf: $(cat "$P/translate/0x40000000")"
expect_eq "$(xlate_size 0x40000000)" 4K "page size after the split"
expect_eq "$(xlate_pfn 0x40002000)" $((first2 + 2)) "the bytes stay in place"
expect_eq "$(smap 40000000 Rss)" 4 "Rss of the first piece"
expect_eq "$(smap 40000000 AnonHugePages)" 0 "AnonHugePages of the first piece"
expect_eq "$(smap 40000000 THPeligible)" 0 "THPeligible of a 4K piece"
expect_eq "$(smap 40002000 Rss)" 4088 "Rss of the rest"
expect_eq "$(smap 40002000 AnonHugePages)" 2048 "AnonHugePages of the rest"
expect_eq "$(smap 40002000 THPeligible)" 1 "THPeligible of the rest"
expect_eq "$(meminfo AnonHugePages)" 2048 "meminfo AnonHugePages after the split"
expect_eq "$(vmstat nr_anon_transparent_hugepages)" 1 "nr_anon_transparent_hugepages after the split"
expect_eq "$(u64 "$P/pagemap" $((0x40001000 / 4096)))" 0000000000000000 "pagemap of the hole"
check_pagemap $((0x40002000)) 510 $((first2 + 2)) 810
expect_eq "$(bits "$(kpf "$first2")")" "5 " "kpageflags of a split head"
expect_eq "$(bits "$(kpf $((first2 + 2)))")" "5 " "kpageflags of a split tail"
expect_eq "$(printf '%d' "0x$(u64 "$MNT/kpagecount" $((first2 + 1)))")" 0 "kpagecount of the unmapped page"
expect_eq "$(bits "$(kpf "$second2")")" "5 15 22 " "the other 2M page is whole"
exit 0
