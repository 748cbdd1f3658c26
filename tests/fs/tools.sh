#!/bin/sh
# Linux's own tools read the lab: procps ps, top, vmstat, free and pmap -X,
# run in a private mount namespace with the mount bound over /proc.  Every
# number they print is checked against the lab's own files: RSS, VSZ,
# faults, swap, memory, CPU ticks, context switches, forks.
. "${srcdir:-.}/tests/fs/lib.sh"
for t in ps top vmstat free pmap; do
	command -v "$t" >/dev/null || fail "$t (procps) is not installed"
done
need_unshare
# 1 MiB of memory (256 frames), 16 MiB of swap
lab_mount -o mem=1M -o swap=16M

# a process that overflows memory into swap, another one small and idle
pid=$(lab_filler) || fail "the filler process"
# a millisecond a memory reference, so that user time shows in ticks
echo 1000000 >"$MNT/config/cost_mem_ref" || fail "cost_mem_ref"
dd if="$MNT/$pid/mem" of=/dev/null bs=64K skip=$((0x40000000 / 65536)) \
	count=4 2>/dev/null || fail "dd read"
idle=$(lab_spawn idle)
echo "mmap 0x10000000 64K rw- populate" >"$MNT/$idle/ctl" || fail "mmap idle"
[ "$(vmstat pswpout)" -gt 100 ] || fail "memory did not overflow to swap"
[ "$(vmstat pswpin)" -gt 0 ] || fail "nothing was read back from swap"

# on_lab CMD...: CMD with the lab as its /proc
on_lab() {
	unshare -m sh -c "mount --bind '$MNT' /proc && exec \"\$@\"" sh "$@"
}
# the lab's own numbers
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "$MNT/$1/status"; }
meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' "$MNT/meminfo"; }
statf() { awk -v f="$2" '{ print $f }' "$MNT/$1/stat"; }
root_stat() { awk -v k="$1" -v f="${2:-2}" '$1 == k { print $f }' "$MNT/stat"; }
swap_used=$(($(meminfo_kb SwapTotal) - $(meminfo_kb SwapFree)))
[ "$swap_used" -gt 0 ] || fail "meminfo shows no swap in use"

# --- self: the process on the CPU, also under the reader's own pid ---------
expect_eq "$(readlink "$MNT/self")" "$pid" "self (the last to access)"
expect_eq "$(on_lab cat /proc/self/comm)" filler "/proc/self/comm"
expect_eq "$(on_lab sh -c 'exec cat /proc/$$/comm')" filler \
	"the reader's own pid"

# --- ps -e: every process of the lab, by pid and name ----------------------
on_lab ps -e >"$T/ps" 2>&1 || fail "ps -e: $(cat "$T/ps")"
head -n 1 "$T/ps" | grep -q '^ *PID TTY  *TIME CMD$' ||
	fail "ps -e header: $(head -n 1 "$T/ps")"
tail -n +2 "$T/ps" | awk '{ print $1, $4 }' >"$T/ps.got"
for d in "$MNT"/[0-9]*; do
	echo "${d##*/} $(cat "$d/comm")"
done | sort -n >"$T/ps.want"
cmp -s "$T/ps.got" "$T/ps.want" ||
	fail "ps -e lists $(cat "$T/ps.got"), the lab $(cat "$T/ps.want")"

# --- ps -p PID -o ...: each column against status and stat ----------------
for p in "$pid" "$idle"; do
	on_lab ps -p "$p" -o pid,ppid,rss,vsz,maj_flt,min_flt,stat,comm \
		>"$T/psp" 2>&1 || fail "ps -p $p: $(cat "$T/psp")"
	set -- $(tail -n 1 "$T/psp")
	expect_eq "$1" "$p" "ps pid"
	expect_eq "$2" "$(status_kb "$p" PPid)" "ps ppid of $p"
	expect_eq "$3" "$(status_kb "$p" VmRSS)" "ps rss of $p"
	expect_eq "$4" "$(status_kb "$p" VmSize)" "ps vsz of $p"
	expect_eq "$5" "$(statf "$p" 12)" "ps maj_flt of $p"
	expect_eq "$6" "$(statf "$p" 10)" "ps min_flt of $p"
	expect_eq "$(echo "$7" | cut -c1)" "$(status_kb "$p" State)" \
		"ps stat of $p"
	expect_eq "$8" "$(cat "$MNT/$p/comm")" "ps comm of $p"
done
[ "$(statf "$pid" 12)" -gt 0 ] || fail "the filler took no major fault"

# --- top -b -n1: tasks, memory, swap, load and the process rows ----------
on_lab top -b -n1 -E k -e k >"$T/top" 2>&1 || fail "top: $(cat "$T/top")"
nprocs=$(ls -d "$MNT"/[0-9]* | wc -l)
running=$(root_stat procs_running)
grep -q "^Tasks: *$nprocs total, *$running running" "$T/top" ||
	fail "top tasks: $(grep ^Tasks "$T/top")"
grep -q "load average: $running.00, $running.00, $running.00" "$T/top" ||
	fail "top load: $(head -n 1 "$T/top")"
set -- $(grep '^KiB Mem' "$T/top" | tr -d ',')
expect_eq "$4" "$(meminfo_kb MemTotal)" "top Mem total"
expect_eq "$6" "$(meminfo_kb MemFree)" "top Mem free"
set -- $(grep '^KiB Swap' "$T/top" | tr -d ',')
expect_eq "$3" "$(meminfo_kb SwapTotal)" "top Swap total"
expect_eq "$5" "$(meminfo_kb SwapFree)" "top Swap free"
expect_eq "$7" "$swap_used" "top Swap used"
for p in "$pid" "$idle"; do
	set -- $(awk -v p="$p" '$1 == p' "$T/top")
	[ $# -ge 12 ] || fail "top has no row for $p: $(cat "$T/top")"
	expect_eq "$5" "$(status_kb "$p" VmSize)" "top VIRT of $p"
	expect_eq "$6" "$(status_kb "$p" VmRSS)" "top RES of $p"
	expect_eq "$8" "$(status_kb "$p" State)" "top S of $p"
	expect_eq "${12}" "$(cat "$MNT/$p/comm")" "top COMMAND of $p"
done

# --- vmstat: the procs, memory and cpu columns ----------------------------
on_lab vmstat >"$T/vm" 2>&1 || fail "vmstat: $(cat "$T/vm")"
set -- $(tail -n 1 "$T/vm")
expect_eq "$1" "$running" "vmstat r"
expect_eq "$2" "$(root_stat procs_blocked)" "vmstat b"
expect_eq "$3" "$swap_used" "vmstat swpd"
expect_eq "$4" "$(meminfo_kb MemFree)" "vmstat free"
expect_eq "$6" "$(meminfo_kb Cached)" "vmstat cache"
# us and sy: shares of the clock since boot (id, wa, st are 0)
user=$(root_stat cpu 2) sys=$(root_stat cpu 4)
[ "$sys" -gt 0 ] && [ "$user" -gt 0 ] ||
	fail "no user or system time: $(head -n 1 "$MNT/stat")"
# vmstat rounds each share: (100 * part + total / 2) / total
total=$((user + sys))
expect_eq "${13}" "$(((100 * user + total / 2) / total))" "vmstat us"
expect_eq "${14}" "$(((100 * sys + total / 2) / total))" "vmstat sy"
expect_eq "${15}" 0 "vmstat id"

# --- vmstat -s: the event counters ----------------------------------------
on_lab vmstat -s >"$T/vms" 2>&1 || fail "vmstat -s: $(cat "$T/vms")"
vms() { sed -n "s/^ *\([0-9]*\) $1\$/\1/p" "$T/vms"; }
expect_eq "$(vms 'K total memory')" "$(meminfo_kb MemTotal)" "vmstat -s memory"
expect_eq "$(vms 'K free memory')" "$(meminfo_kb MemFree)" "vmstat -s free"
expect_eq "$(vms 'K total swap')" "$(meminfo_kb SwapTotal)" "vmstat -s swap"
expect_eq "$(vms 'K used swap')" "$swap_used" "vmstat -s used swap"
expect_eq "$(vms 'pages swapped in')" "$(vmstat pswpin)" "vmstat -s swapped in"
expect_eq "$(vms 'pages swapped out')" "$(vmstat pswpout)" \
	"vmstat -s swapped out"
expect_eq "$(vms 'K paged in')" "$(vmstat pgpgin)" "vmstat -s paged in"
expect_eq "$(vms 'K paged out')" "$(vmstat pgpgout)" "vmstat -s paged out"
expect_eq "$(vms 'non-nice user cpu ticks')" "$user" "vmstat -s user ticks"
expect_eq "$(vms 'system cpu ticks')" "$sys" "vmstat -s system ticks"
expect_eq "$(vms 'CPU context switches')" "$(root_stat ctxt)" \
	"vmstat -s context switches"
[ "$(root_stat ctxt)" -ge 1 ] || fail "no context switch counted"
expect_eq "$(vms 'boot time')" "$(root_stat btime)" "vmstat -s boot time"
expect_eq "$(vms forks)" "$(cat "$MNT/last_pid")" "vmstat -s forks"

# --- free: memory and swap in KiB -----------------------------------------
on_lab free >"$T/free" 2>&1 || fail "free: $(cat "$T/free")"
set -- $(grep '^Mem:' "$T/free")
expect_eq "$2" "$(meminfo_kb MemTotal)" "free Mem total"
expect_eq "$4" "$(meminfo_kb MemFree)" "free Mem free"
set -- $(grep '^Swap:' "$T/free")
expect_eq "$2" "$(meminfo_kb SwapTotal)" "free Swap total"
expect_eq "$3" "$swap_used" "free Swap used"
expect_eq "$4" "$(meminfo_kb SwapFree)" "free Swap free"

# --- pmap -X: Size, Rss and Swap of the mapping against smaps -------------
on_lab pmap -X "$pid" >"$T/pmap" 2>&1 || fail "pmap -X: $(cat "$T/pmap")"
smaps_kb() {
	awk -v k="$1:" '/^40000000-/ { on = 1; next }
		/^[0-9a-f]+-/ { on = 0 } on && $1 == k { print $2 }' \
		"$MNT/$pid/smaps"
}
col() {	# the column named $1 of the line of address 40000000
	awk -v c="$1" 'NR == 2 { for (i = 1; i <= NF; i++) at[$i] = i }
		$1 == "40000000" { print $(at[c]) }' "$T/pmap"
}
expect_eq "$(col Size)" "$(smaps_kb Size)" "pmap -X Size"
expect_eq "$(col Rss)" "$(smaps_kb Rss)" "pmap -X Rss"
expect_eq "$(col Swap)" "$(smaps_kb Swap)" "pmap -X Swap"
[ "$(col Swap)" -gt 0 ] || fail "pmap -X shows no swap: $(cat "$T/pmap")"
expect_eq "$(($(col Rss) + $(col Swap)))" 2048 "pmap -X Rss + Swap"
exit 0
