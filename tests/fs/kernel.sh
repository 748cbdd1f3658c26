#!/bin/sh
# A user access to the kernel half through ctl touch kills the process;
# translate/ shows why: US is clear on the way.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount

pid=$(lab_spawn victim)
cat "$MNT/$pid/translate/0xffffffff80000000" >"$T/walk" || fail "translate"
grep -q '^PML4 index 511' "$T/walk" || fail "no PML4 line: $(cat "$T/walk")"
pml4=$(awk '/^PML4/ { for (i = 6; i <= NF; i++) printf "%s ", $i }' "$T/walk")
case " $pml4 " in
*" US "*) fail "kernel PML4 entry has US: $pml4" ;;
esac
grep -q 'user no (US=0' "$T/walk" || fail "translate does not say US=0"

# the kernel touching its own half: allowed, and a global TLB entry
echo "touch 0xffffffff80001000 8 r kernel" >"$MNT/$pid/ctl" ||
	fail "supervisor touch of the kernel half"
awk '$4 == "000ffffffff80001" && / G/ { n++ } END { exit !n }' "$MNT/tlb" ||
	fail "no global TLB entry: $(cat "$MNT/tlb")"
grep -q '^tlb: hit .* G' "$MNT/$pid/translate/0xffffffff80001000" ||
	fail "translate does not show the global entry"
expect_eq "$(awk '/^State:/ { print $2 }' "$MNT/$pid/status")" R "state after a kernel touch"
# the process's own access to the same place kills it
echo "touch 0xffffffff80000000 1 r" >"$MNT/$pid/ctl" || fail "touch"
state=$(awk '/^State:/ { print $2 }' "$MNT/$pid/status")
expect_eq "$state" Z "state after a user access to the kernel"
grep -q "pid $pid: user read at 0xffffffff80000000 refused: supervisor-only page (US=0).*SIGSEGV" \
	"$MNT/log" || fail "no SIGSEGV line in the log: $(tail -n 3 "$MNT/log")"
expect_eq "$(vmstat segv)" 1 "segv counter"
# the process's memory is gone; commands to it fail with ESRCH
if echo "mmap auto 4K rw-" | dd of="$MNT/$pid/ctl" 2>"$T/err"; then
	fail "a dead process took a command"
fi
grep -q "No such process" "$T/err" || fail "dead process: $(cat "$T/err")"
# a shell standing in the directory of a process that goes away
(
	cd "$MNT/$pid"
	echo "kill $pid" >"$MNT/ctl" || exit 1
	if echo exit | dd of=ctl 2>"$T/err"; then exit 1; fi
	grep -q "No such file or directory" "$T/err"
) || fail "redirect into a reaped process's directory: $(cat "$T/err")"
[ ! -e "$MNT/$pid" ] || fail "reaped process still listed"
# nothing can be created in the tree
if echo x | dd of="$MNT/newfile" 2>"$T/err"; then fail "created a file"; fi
grep -q "Permission denied" "$T/err" || fail "create: $(cat "$T/err")"
exit 0
