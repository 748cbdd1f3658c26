#!/bin/sh
# PID/trace: lackey and simple traces replayed as the process's own.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount

pid=$(lab_spawn replay)
# a lackey trace of a loop over 64 pages, 4 rounds, several MB
awk 'BEGIN {
	print "==42== Lackey, an example Valgrind tool"
	for (r = 0; r < 4; r++)
		for (p = 0; p < 64; p++)
			for (i = 0; i < 512; i += 8) {
				printf "I  %08x,4\n", 4194304 + i
				printf " L %08x,8\n", 268435456 + p * 4096 + i
				if (i == 0) printf " S %08x,8\n", 268435456 + p * 4096 + 8
			}
}' >"$T/loop.trace"
cat "$T/loop.trace" >"$MNT/$pid/trace" || fail "replay"
# 64 data pages + 1 code page, each one demand-zero fault
expect_eq "$(vmstat demand_zero)" 65 "demand-zero faults"
loads=$(grep -c '^ L' "$T/loop.trace")
stores=$(grep -c '^ S' "$T/loop.trace")
instr=$(grep -c '^I' "$T/loop.trace")
expect_eq "$(vmstat accesses)" "$((loads + stores + instr))" "accesses"
# on-demand mappings merged into two regions
expect_eq "$(grep -c '^0040' "$MNT/$pid/maps")" 1 "code region"
grep -q '^10000000-10040000 rwxp' "$MNT/$pid/maps" || fail "data region: $(cat "$MNT/$pid/maps")"
# the stores dirtied the data pages
grep -q '^RssAnon:' "$MNT/$pid/status" || fail "status"
# simple format, and a bad line named in the log
printf 'r 0x20000000 8\nw 0x20000008\nq 0x0\n' >"$T/bad.trace"
if cat "$T/bad.trace" >"$MNT/$pid/trace" 2>"$T/err"; then
	fail "a bad trace line was accepted"
fi
grep -q "Invalid argument" "$T/err" || fail "bad trace: $(cat "$T/err")"
grep -q "pid $pid trace: line 3" "$MNT/log" || fail "log does not name line 3"
grep -q '^20000000-20001000 ' "$MNT/$pid/maps" || fail "lines before the bad one"

# the machine-wide trace: PID r|w|x ADDR lines, two processes interleaved
other=$(lab_spawn other)
printf '%s w 0x50000000 8\n%s r 0x60000000\n%s r 0x50000008 8\n' \
	"$pid" "$other" "$pid" >"$MNT/trace" || fail "multi-process trace"
grep -q '^50000000-50001000 ' "$MNT/$pid/maps" || fail "pid $pid's page"
grep -q '^60000000-60001000 ' "$MNT/$other/maps" || fail "pid $other's page"
grep -q '^50000000' "$MNT/$other/maps" && fail "a page went to the wrong process"
if echo 'r 0x70000000' | dd of="$MNT/trace" 2>"$T/err"; then
	fail "a line without a pid was accepted by the machine-wide trace"
fi
grep -q "Invalid argument" "$T/err" || fail "no pid: $(cat "$T/err")"
grep -q "trace: line 1: a line of the machine-wide trace needs a pid" \
	"$MNT/log" || fail "log does not say a pid is needed"
# strict replay maps nothing: an access to unmapped memory kills
echo 1 >"$MNT/config/strict"
if echo 'r 0x70000000' | dd of="$MNT/$other/trace" 2>"$T/err"; then
	fail "strict replay of an unmapped address succeeded"
fi
grep -q "No such process" "$T/err" || fail "strict: $(cat "$T/err")"
expect_eq "$(awk '/^State:/ { print $2 }' "$MNT/$other/status")" Z \
	"state after a strict replay of unmapped memory"
exit 0
