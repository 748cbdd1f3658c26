#!/bin/sh
# python3-psutil reads the lab: Process(pid), memory_info(),
# memory_full_info(), memory_maps(), virtual_memory() and swap_memory(),
# run in a private mount namespace with the mount bound over /proc, each
# number checked against the lab's own files.
. "${srcdir:-.}/tests/fs/lib.sh"
# Debian's python3 has the package; another python3 first in PATH may not
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import psutil' 2>/dev/null ||
	fail "python3-psutil is not installed (for $PY)"
need_unshare
lab_mount -o mem=1M -o swap=16M

pid=$(lab_filler) || fail "the filler process"
dd if="$MNT/$pid/mem" of=/dev/null bs=64K skip=$((0x40000000 / 65536)) \
	count=4 2>/dev/null || fail "dd read"
[ "$(vmstat pswpout)" -gt 100 ] || fail "memory did not overflow to swap"

# psutil's view, one "name value" line each, in bytes
cat >"$T/view.py" <<'EOF'
import sys
import psutil

p = psutil.Process(int(sys.argv[1]))
print("name", p.name())
print("ppid", p.ppid())
print("status", p.status())
print("create_time", int(p.create_time()))
t = p.cpu_times()
print("utime", round(t.user * 100))
print("stime", round(t.system * 100))
m = p.memory_info()
print("rss", m.rss)
print("vms", m.vms)
f = p.memory_full_info()
print("full_rss", f.rss)
print("uss", f.uss)
print("pss", f.pss)
print("swap", f.swap)
for r in p.memory_maps(grouped=False):
    if r.addr.startswith("40000000-"):
        print("map_rss", r.rss)
        print("map_size", r.size)
        print("map_swap", r.swap)
        print("map_path", r.path)
v = psutil.virtual_memory()
print("vm_total", v.total)
print("vm_free", v.free)
s = psutil.swap_memory()
print("sw_total", s.total)
print("sw_used", s.used)
print("sw_free", s.free)
print("sw_sin", s.sin)
print("sw_sout", s.sout)
print("pids", " ".join(str(x) for x in psutil.pids()))
print("boot_time", int(psutil.boot_time()))
EOF
unshare -m sh -c "mount --bind '$MNT' /proc && exec '$PY' '$T/view.py' $pid" \
	>"$T/view" 2>&1 || fail "psutil: $(cat "$T/view")"
got() { sed -n "s/^$1 //p" "$T/view"; }
kb() { awk -v k="$2:" '$1 == k { print $2 * 1024 }' "$1"; }
smaps_b() {
	awk -v k="$1:" '/^40000000-/ { on = 1; next }
		/^[0-9a-f]+-/ { on = 0 } on && $1 == k { print $2 * 1024 }' \
		"$MNT/$pid/smaps"
}
S=$MNT/$pid/status

# Process(pid)
expect_eq "$(got name)" "$(cat "$MNT/$pid/comm")" "Process.name"
expect_eq "$(got ppid)" "$(awk '$1 == "PPid:" { print $2 }' "$S")" "ppid"
expect_eq "$(got status)" running "Process.status"
# create_time = btime + starttime (field 22) / USER_HZ
btime=$(awk '$1 == "btime" { print $2 }' "$MNT/stat")
start=$(awk '{ print $22 }' "$MNT/$pid/stat")
expect_eq "$(got create_time)" "$((btime + start / 100))" "create_time"
expect_eq "$(got boot_time)" "$btime" "boot_time"
# cpu_times: stat's utime and stime (14, 15) in USER_HZ ticks; the filler's
# faults and swap-outs (100 us each) are system time, some ticks of it
expect_eq "$(got utime)" "$(awk '{ print $14 }' "$MNT/$pid/stat")" "cpu_times.user"
expect_eq "$(got stime)" "$(awk '{ print $15 }' "$MNT/$pid/stat")" "cpu_times.system"
[ "$(got stime)" -ge 1 ] || fail "no system time for the filler's faults: $(got stime)"
expect_eq "$(got pids)" "$(ls "$MNT" | grep '^[0-9]' | sort -n | tr '\n' ' ' |
	sed 's/ $//')" "psutil.pids"

# memory_info(), memory_full_info()
expect_eq "$(got rss)" "$(kb "$S" VmRSS)" "memory_info().rss"
expect_eq "$(got vms)" "$(kb "$S" VmSize)" "memory_info().vms"
expect_eq "$(got full_rss)" "$(kb "$S" VmRSS)" "memory_full_info().rss"
R=$MNT/$pid/smaps_rollup
expect_eq "$(got pss)" "$(kb "$R" Pss)" "memory_full_info().pss"
expect_eq "$(got swap)" "$(kb "$R" Swap)" "memory_full_info().swap"
expect_eq "$(got swap)" "$(kb "$S" VmSwap)" "memory_full_info().swap/VmSwap"
expect_eq "$(got uss)" "$(($(kb "$R" Private_Clean) + $(kb "$R" Private_Dirty)))" \
	"memory_full_info().uss"
[ "$(got swap)" -gt 0 ] || fail "psutil sees no swap of the process"

# memory_maps(): the 2M mapping as smaps has it
expect_eq "$(got map_size)" "$(smaps_b Size)" "memory_maps() size"
expect_eq "$(got map_rss)" "$(smaps_b Rss)" "memory_maps() rss"
expect_eq "$(got map_swap)" "$(smaps_b Swap)" "memory_maps() swap"
expect_eq "$(got map_path)" "[anon]" "memory_maps() path"

# virtual_memory(), swap_memory(): meminfo and vmstat (pswp* in pages)
M=$MNT/meminfo
expect_eq "$(got vm_total)" "$(kb "$M" MemTotal)" "virtual_memory().total"
expect_eq "$(got vm_free)" "$(kb "$M" MemFree)" "virtual_memory().free"
expect_eq "$(got sw_total)" "$(kb "$M" SwapTotal)" "swap_memory().total"
expect_eq "$(got sw_free)" "$(kb "$M" SwapFree)" "swap_memory().free"
expect_eq "$(got sw_used)" "$(($(kb "$M" SwapTotal) - $(kb "$M" SwapFree)))" \
	"swap_memory().used"
expect_eq "$(got sw_sin)" "$(($(vmstat pswpin) * 4096))" "swap_memory().sin"
expect_eq "$(got sw_sout)" "$(($(vmstat pswpout) * 4096))" \
	"swap_memory().sout"
[ "$(got sw_used)" -gt 0 ] || fail "swap_memory() shows no swap in use"
exit 0
