#!/bin/sh
# run.sh - the differential test: the lab against this machine's kernel.
#
# Each tests/diff/*.scn is a scenario of processes, file mappings, fork and
# file I/O.  realmm runs it with real mmap(2), fork(2) and a real file in a
# temporary directory; labmm.sh runs it through a freshly mounted lab with
# shell tools.  Both print a transcript: every command, its outcome, every
# byte each process loads and each read(2) returns, and at the end each
# file's size and whole contents.  The two transcripts must be identical;
# a difference fails the test and is shown as `diff -u real lab`.
#
# The scenario language (realmm.c holds the same reference).  One command
# a line; '#' starts a comment.  Numbers: decimal or 0x hex, with an
# optional suffix p (a 4096-byte page), K or M.  BYTES: a "quoted string",
# escapes \\ \" \n \t \0 \xHH.  P, Q: process names; NAME: a file name.
#
#   file NAME SIZE          create files/NAME: SIZE bytes of the pattern,
#                           byte i = 'a' + (i / 4096) % 26
#   proc P                  a new process
#   map P ADDR LEN PROT anon|file=NAME[@OFF] [shared|private]
#                           mmap at ADDR; PROT like rw-; ADDR LEN OFF page-
#                           aligned; a range not yet mapped
#   munmap P ADDR LEN       mprotect P ADDR LEN PROT      msync P ADDR LEN
#   store P ADDR BYTES      P's own stores, byte by byte, in order
#   load P ADDR LEN         P's own loads; the bytes go to the transcript
#   fork P Q                P forks; Q is the child
#   exit P                  P exits
#   fwrite NAME OFF BYTES   write(2) at OFF
#   fread NAME OFF LEN      read(2) at OFF, up to LEN bytes: printed
#   truncate NAME SIZE      ftruncate(2)
# After the last line the living processes exit and each file is printed
# whole ("end NAME: size S, read N" and its bytes).
#
# The transcript: "<command in canonical form>: <outcome>"; the outcome is
# ok, an error text (strerror's), or a byte count followed by rows of hex
# and text.  An access that faults ends "N bytes, SIGBUS at 0xADDR" or
# "..., SIGSEGV at 0xADDR": the real process catches the signal and goes
# on; the lab refuses the PID/mem access (EIO) and labmm.sh names the
# signal from the lab's maps (page of the file wholly past its end: SIGBUS;
# no mapping or protection: SIGSEGV), see labmm.sh.
#
# DIFF_SCENARIOS="anon truncate" runs only those scenarios.
. "${srcdir:-.}/tests/fs/lib.sh"

REALMM=${REALMM:-./tests/diff/realmm}
export REALMM
[ -x "$REALMM" ] || fail "no $REALMM: build it with make check"

failed=
for scn in "$srcdir"/tests/diff/*.scn; do
	name=$(basename "$scn" .scn)
	case " ${DIFF_SCENARIOS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	rc=0
	"$REALMM" "$scn" >"$T/$name.real" 2>"$T/realmm.err" || rc=$?
	if [ "$rc" -eq 77 ]; then
		cat "$T/realmm.err" >&2
		exit 77
	fi
	[ "$rc" -eq 0 ] || fail "$name: realmm: $(cat "$T/realmm.err")"

	rm -rf "$T/state"
	lab_mount
	rc=0
	sh "$srcdir/tests/diff/labmm.sh" "$scn" "$MNT" >"$T/$name.lab" \
		2>"$T/labmm.err" || rc=$?
	cp "$MNT/log" "$T/$name.log" 2>/dev/null || :
	lab_unmount
	[ "$rc" -eq 0 ] || fail "$name: labmm.sh: $(cat "$T/labmm.err")"

	if diff -u "$T/$name.real" "$T/$name.lab" >"$T/$name.diff"; then
		echo "ok: $name"
		continue
	fi
	failed="$failed $name"
	echo "FAIL: $name: the lab differs from the kernel (-real +lab):"
	cat "$T/$name.diff"
	if [ -s "$T/labmm.err" ]; then
		echo "--- labmm.sh stderr:"
		cat "$T/labmm.err"
	fi
	echo "--- lab log (last lines):"
	tail -n 20 "$T/$name.log" 2>/dev/null || :
done
[ -z "$failed" ] || fail "scenarios that differ:$failed"
exit 0
