#!/bin/sh
# The labs of examples/: each runs to the end (exit 0), prints the numbers
# the machine must give, and leaves no mount and no temporary directory.
. "${srcdir:-.}/tests/fs/lib.sh"
[ -c /dev/fuse ] || fail "no /dev/fuse"

# the labs find vmlabfs through $VMLABFS: make it absolute
case $VMLABFS in
/*) ;;
*) VMLABFS=$(pwd)/$VMLABFS ;;
esac
export VMLABFS
[ -x "$VMLABFS" ] || fail "no vmlabfs at $VMLABFS"

# each lab makes its temporary directory under $T/labs: it must be gone
mkdir "$T/labs"

# lab NAME [ARGS]: runs examples/NAME.sh into $T/NAME.out
lab() {
	name=$1
	shift
	echo "=== examples/$name.sh $*"
	if ! TMPDIR=$T/labs /bin/sh "$srcdir/examples/$name.sh" "$@" >"$T/$name.out" 2>"$T/$name.err"; then
		cat "$T/$name.out" "$T/$name.err"
		fail "examples/$name.sh failed"
	fi
	cat "$T/$name.out"
	[ ! -s "$T/$name.err" ] || fail "examples/$name.sh wrote to stderr: $(cat "$T/$name.err")"
	left=$(ls "$T/labs")
	[ -z "$left" ] || fail "examples/$name.sh left $left behind"
	if grep -q " $T/labs/" /proc/mounts; then
		fail "examples/$name.sh left a mount: $(grep " $T/labs/" /proc/mounts)"
	fi
}

# row FILE AWK-CONDITION FIELD: field FIELD of the one row matching
row() {
	awk "$2 { print \$$3; n++ } END { if (n != 1) exit 1 }" "$T/$1.out" ||
		fail "$1: not one row matching $2"
}

# --- belady: fifo 9 then 10, lru 10 then 8 -------------------------------
lab belady
expect_eq "$(row belady '$1 == "fifo" && $2 == 3' 5)" 9 "belady: fifo, 3 frames"
expect_eq "$(row belady '$1 == "fifo" && $2 == 4' 5)" 10 "belady: fifo, 4 frames"
expect_eq "$(row belady '$1 == "lru" && $2 == 3' 5)" 10 "belady: lru, 3 frames"
expect_eq "$(row belady '$1 == "lru" && $2 == 4' 5)" 8 "belady: lru, 4 frames"
# faults are minflt + majflt; here every fault is minor
expect_eq "$(row belady '$1 == "fifo" && $2 == 4' 3)" 10 "belady: fifo minflt"
grep -q "Belady's anomaly\.$" "$T/belady.out" || fail "belady: no conclusion"

# --- policies: the classic string, 3 frames -------------------------------
lab policies
expect_eq "$(row policies '$1 == "fifo"' 2)" 15 "policies: fifo"
expect_eq "$(row policies '$1 == "lru"' 2)" 12 "policies: lru"
for p in clock nru random aging wsclock lru2; do
	f=$(row policies "\$1 == \"$p\"" 2)
	# OPT's 9 is the least any policy can take, 20 references the most
	[ "$f" -ge 9 ] && [ "$f" -le 20 ] || fail "policies: $p took '$f' faults"
done
grep -q "OPT takes 9 faults" "$T/policies.out" || fail "policies: OPT is not 9"
grep -q "no known future" "$T/policies.out" || fail "policies: opt's log line missing"

# --- tlb: the reach, and ASIDs against flushes ----------------------------
lab tlb
expect_eq "$(row tlb '$1 == 64 && NF >= 8' 5)" 100.0 "tlb: hit% at 64 pages"
expect_eq "$(row tlb '$1 == 128 && NF >= 8' 5)" 0.0 "tlb: hit% at 128 pages"
flush1=$(awk '$1 == "asid=1" { n += $4 } END { print n + 0 }' "$T/tlb.out")
flush0=$(awk '$1 == "asid=0" { n += $4 } END { print n + 0 }' "$T/tlb.out")
miss1=$(awk '$1 == "asid=1" { n += $5 } END { print n + 0 }' "$T/tlb.out")
miss0=$(awk '$1 == "asid=0" { n += $5 } END { print n + 0 }' "$T/tlb.out")
rows=$(grep -c '^  asid=[01] ' "$T/tlb.out" || true)
expect_eq "$rows" 8 "tlb: rows of the asid table"
[ "$flush0" -gt "$flush1" ] || fail "tlb: tlb_flush with asid=0 ($flush0) not above asid=1 ($flush1)"
[ "$miss0" -gt "$miss1" ] || fail "tlb: tlb_miss with asid=0 ($miss0) not above asid=1 ($miss1)"
expect_eq "$flush1" 0 "tlb: tlb_flush with asid=1"
# a switch per access without ASIDs: every access misses
expect_eq "$(row tlb '$1 == "asid=0" && $2 == 1' 5)" 2048 "tlb: misses, asid=0, quantum 1"

# --- thrashing: the knee at W = 32 pages ----------------------------------
lab thrashing
fit=$(awk '$1 == 32 && NF >= 7 { print $2; exit }' "$T/thrashing.out")
short=$(awk '$1 == 31 && NF >= 7 { print $2; exit }' "$T/thrashing.out")
major=$(awk '$1 == 31 && NF >= 7 { print $3; exit }' "$T/thrashing.out")
eatfit=$(awk '$1 == 32 && NF >= 7 { print $6; exit }' "$T/thrashing.out")
eatshort=$(awk '$1 == 31 && NF >= 7 { print $6; exit }' "$T/thrashing.out")
expect_eq "$fit" 32 "thrashing: faults when the 32 pages fit"
[ "${short:-0}" -gt $((fit * 10)) ] || fail "thrashing: $short faults one page short (fit: $fit)"
[ "${major:-0}" -gt 0 ] || fail "thrashing: no major faults past the knee"
[ "${eatshort:-0}" -gt $((eatfit * 100)) ] || fail "thrashing: EAT $eatshort ns past the knee, $eatfit ns before"
# faults never fall as the limit falls (first table, clock)
awk '/^Policy clock/ { on = 1; next } on && /^$/ { exit } on && $1 ~ /^[0-9]+$/ {
	if (n++ && $2 < prev) { print "faults fell: " $0; bad = 1 }
	prev = $2
} END { exit bad }' "$T/thrashing.out" || fail "thrashing: faults fell with less memory"

# --- cow: N = 64 pages, the child writes 1, 2, 4 ... 32 of them ----------
lab cow
N=64
expect_eq "$(awk '$1 == "parent," && $2 == "alone" { print $3, $4, $5, $6 }' "$T/cow.out")" \
	"256 256 256 0" "cow: parent's smaps before the fork"
expect_eq "$(awk '$1 == "parent," && $2 == "forked" { print $3, $4, $5, $6 }' "$T/cow.out")" \
	"256 128 0 256" "cow: parent's smaps after the fork"
expect_eq "$(awk '$1 == "child" && $2 == "(pid" { print $4, $5, $6, $7 }' "$T/cow.out")" \
	"256 128 0 256" "cow: child's smaps after the fork"
grep -q "before the fork: $N frames: $N mapped once, 0 twice$" "$T/cow.out" ||
	fail "cow: kpagecount before the fork"
grep -q "after the fork:  $N frames: 0 mapped once, $N twice$" "$T/cow.out" ||
	fail "cow: kpagecount after the fork"
grep -q "^fork allocated 4 frames (pgalloc_normal), 4 of them page tables" "$T/cow.out" ||
	fail "cow: frames allocated by fork"
# after k child writes: k breaks, 4 + k new frames, N + k frames in use,
# N - k mapped twice, 2k once; in both: Pss 4k + 2(N - k), Private_Dirty
# 4k, Shared_Dirty 4(N - k)
awk -v n=$N 'NF == 12 && $1 ~ /^[0-9]+$/ {
	k = $1; rows++
	want = k " " k " " 4 + k " " n + k " " n - k " " 2 * k
	want = want " " 4 * k + 2 * (n - k) " " 4 * k " " 4 * (n - k)
	want = want " " 4 * k + 2 * (n - k) " " 4 * k " " 4 * (n - k)
	$1 = $1
	if ($0 != want) { print "row " k ": got \"" $0 "\", expected \"" want "\""; bad = 1 }
}
END {
	if (rows != 7) { print rows + 0 " rows, expected 7"; bad = 1 }
	exit bad
}' "$T/cow.out" >"$T/cow.bad" || fail "cow: $(cat "$T/cow.bad")"
expect_eq "$(row cow '$1 == "parent" && $2 == 0' '(NF - 2)') $(row cow '$1 == "parent" && $2 == 0' '(NF - 1)') $(row cow '$1 == "parent" && $2 == 0' 'NF')" \
	"+0 +1 +0" "cow: the parent writes a page the child copied (break, reuse, pgalloc_normal)"
expect_eq "$(row cow '$1 == "parent" && $2 == 63' '(NF - 2)') $(row cow '$1 == "parent" && $2 == 63' '(NF - 1)') $(row cow '$1 == "parent" && $2 == 63' 'NF')" \
	"+1 +0 +1" "cow: the parent writes a page still shared"
expect_eq "$(row cow '$1 == "child" && $2 == 63' '(NF - 2)') $(row cow '$1 == "child" && $2 == 63' '(NF - 1)') $(row cow '$1 == "child" && $2 == 63' 'NF')" \
	"+0 +1 +0" "cow: the child writes the page the parent copied"
expect_eq "$(awk '/^What each one reads/ { on = 1; next } on && NF == 3 && $1 ~ /^[0-9]+$/ { printf "%s%s%s%s", s, $1, $2, $3; s = " " }' "$T/cow.out")" \
	"0pc 1Pc 32PP 63pc" "cow: the bytes each process reads"

# --- mmap: shared and private views of one file; the cache under pressure --
lab mmap
awk 'NF == 5 && $1 ~ /^[0-4]$/ && $2 !~ /^[0-9]+$/ { $1 = $1; print }' "$T/mmap.out" >"$T/mmap.views"
cat >"$T/mmap.want" <<'EOT'
0 A page-01 page-02 page-03
0 B page-01 page-02 page-03
0 files/data page-01 page-02 page-03
0 disk page-01 page-02 page-03
1 A A-wrote page-02 page-03
1 B A-wrote page-02 page-03
1 files/data A-wrote page-02 page-03
1 disk page-01 page-02 page-03
2 A A-wrote page-02 page-03
2 B A-wrote B-wrote page-03
2 files/data A-wrote page-02 page-03
2 disk page-01 page-02 page-03
3 A A-wrote write() write()
3 B A-wrote B-wrote write()
3 files/data A-wrote write() write()
3 disk page-01 page-02 page-03
4 A A-wrote write() write()
4 B A-wrote B-wrote write()
4 files/data A-wrote write() write()
4 disk A-wrote write() write()
EOT
cmp -s "$T/mmap.views" "$T/mmap.want" ||
	fail "mmap: the views of files/data differ: $(diff "$T/mmap.want" "$T/mmap.views")"
# step: cow_break nr_dirty pgpgout(KiB since step 0) B's Anonymous(kB)
awk 'NF == 5 && $1 ~ /^[0-4]$/ && $2 ~ /^[0-9]+$/ { $1 = $1; print }' "$T/mmap.out" >"$T/mmap.counters"
printf '%s\n' "0 0 0 0 0" "1 0 1 0 0" "2 1 1 0 4" "3 1 3 0 4" "4 1 0 12 4" >"$T/mmap.want"
cmp -s "$T/mmap.counters" "$T/mmap.want" ||
	fail "mmap: part 1's counters differ: $(diff "$T/mmap.want" "$T/mmap.counters")"
# part 2, 256 pages under a limit of 32: step what file_p dirty majfault
# scan steal pgpgin pgpgout pswpout (scan depends on the policy: not checked)
awk 'NF == 10 && $1 ~ /^[1-8]$/ { $1 = $1; $6 = ($6 >= $7) ? "s" : "scan<steal"; print }' \
	"$T/mmap.out" >"$T/mmap.pressure"
cat >"$T/mmap.want" <<'EOT'
1 write 32 32 0 s 224 0 896 0
2 fsync 32 0 0 s 0 0 128 0
3 drop 0 0 0 s 0 0 0 0
4 cat 32 0 0 s 224 1024 0 0
5 drop 0 0 0 s 0 0 0 0
6 mmap 32 32 256 s 224 1024 896 0
7 msync 32 0 0 s 0 0 128 0
8 anon 0 0 0 s 32 0 896 224
EOT
cmp -s "$T/mmap.pressure" "$T/mmap.want" ||
	fail "mmap: part 2's counters differ: $(diff "$T/mmap.want" "$T/mmap.pressure")"
grep -q "^On disk: 256 of the 256 pages of files/big begin with C's \"C-wrote\"\.$" "$T/mmap.out" ||
	fail "mmap: C's writes are not all on disk"

# --- tlb-reach: 64 MiB in 4 KiB pages against 2 MiB pages ------------------
# Worked out by hand for the default TLB (64 entries, 4 ways: 16 sets,
# LRU) and costs (1 ns a lookup, 100 ns a memory reference), both passes
# starting after a populate that leaves the TLB empty:
#  stride 4096: 16384 reads a pass.  4 KiB pages: 16384 pages, 1024 a set,
#   so each page is evicted before the walk returns to it: 16384 misses a
#   pass, 4 walk_refs each, 1 + 4 x 100 + 100 = 501 ns a read.  2 MiB
#   pages: 32 pages, 2 a set, all held: the first pass misses once a page
#   (32 misses, 3 walk_refs each), the second never.
#  stride 2M: 32 reads a pass.  4 KiB pages: every read is on a page whose
#   number is a multiple of 512, so in set 0: 32 pages through 4 ways miss
#   every time.  2 MiB pages: as above, 32 misses then none.
# reach_row OUT SIZE PASS: "accesses tlb_hit tlb_miss walk_refs clock_ns EAT"
reach_row() {
	awk -v s="$2" -v p="$3" '$1 == s && $2 == p && NF == 8 {
		print $3, $4, $5, $6, $7, $8; n++ } END { if (n != 1) exit 1 }' "$T/$1.out" ||
		fail "$1: not one row for $2 pass $3"
}
# reach_want READS MISSES LEVELS: the row those give
reach_want() {
	awk -v r="$1" -v m="$2" -v l="$3" 'BEGIN {
		c = r + 100 * (m * l + r)
		printf "%d %d %d %d %d %.1f\n", r, r - m, m, m * l, c, c / r }'
}
lab tlb-reach
r=$((64 * 1048576 / 4096))
expect_eq "$(reach_row tlb-reach 4K 1)" "$(reach_want $r $r 4)" "tlb-reach: 4K pass 1"
expect_eq "$(reach_row tlb-reach 4K 2)" "$(reach_want $r $r 4)" "tlb-reach: 4K pass 2"
expect_eq "$(reach_row tlb-reach 2M 1)" "$(reach_want $r 32 3)" "tlb-reach: 2M pass 1"
expect_eq "$(reach_row tlb-reach 2M 2)" "$(reach_want $r 0 3)" "tlb-reach: 2M pass 2"
expect_eq "$(reach_want $r $r 4)" "16384 0 16384 65536 8208384 501.0" "tlb-reach: the arithmetic"
grep -q "^  4 KiB pages: 501.0 ns a read  (16416768 ns / 32768 reads, 32768 TLB misses)$" \
	"$T/tlb-reach.out" || fail "tlb-reach: EAT with 4 KiB pages"
# (2 x 16384 + 100 x (96 + 2 x 16384)) / 32768 = 101.29...
grep -q "^  2 MiB pages: 101.3 ns a read  (3319168 ns / 32768 reads, 32 TLB misses)$" \
	"$T/tlb-reach.out" || fail "tlb-reach: EAT with 2 MiB pages"
grep -q "^  4 KiB against 2 MiB: 4.95 times the time, 1024.0 times the TLB misses$" \
	"$T/tlb-reach.out" || fail "tlb-reach: the ratios"
grep -q "^2 MiB pages mapped (thp_fault_alloc): 32$" "$T/tlb-reach.out" ||
	fail "tlb-reach: 2 MiB pages mapped"
grep -q "64 4K, 0 2M entries after the 4 KiB walk; 0 4K, 32 2M after the 2 MiB walk$" \
	"$T/tlb-reach.out" || fail "tlb-reach: the TLB's entries at the end"
mv "$T/tlb-reach.out" "$T/tlb-reach-4k.out"
lab tlb-reach 2M
expect_eq "$(reach_row tlb-reach 4K 1)" "$(reach_want 32 32 4)" "tlb-reach 2M: 4K pass 1"
expect_eq "$(reach_row tlb-reach 4K 2)" "$(reach_want 32 32 4)" "tlb-reach 2M: 4K pass 2"
expect_eq "$(reach_row tlb-reach 2M 1)" "$(reach_want 32 32 3)" "tlb-reach 2M: 2M pass 1"
expect_eq "$(reach_row tlb-reach 2M 2)" "$(reach_want 32 0 3)" "tlb-reach 2M: 2M pass 2"
echo "=== examples/tlb-reach.sh 3000 (not a power of two: must fail)"
if TMPDIR=$T/labs /bin/sh "$srcdir/examples/tlb-reach.sh" 3000 >"$T/bad.out" 2>&1; then
	fail "tlb-reach.sh 3000 succeeded"
fi
grep -q "STRIDE must be a power of two" "$T/bad.out" || fail "tlb-reach.sh 3000: $(cat "$T/bad.out")"

# --- a lab that cannot mount fails and leaves nothing ---------------------
echo "=== examples/tlb.sh 64 3 (an invalid TLB: must fail)"
if TMPDIR=$T/labs /bin/sh "$srcdir/examples/tlb.sh" 64 3 >"$T/bad.out" 2>&1; then
	fail "tlb.sh 64 3 succeeded"
fi
left=$(ls "$T/labs")
[ -z "$left" ] || fail "a failed lab left $left behind"
exit 0
