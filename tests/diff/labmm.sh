#!/bin/sh
# labmm.sh SCENARIO MOUNTPOINT - runs a memory scenario through a mounted
# lab, with shell tools only, and prints its transcript.  realmm runs the
# same scenario against the real kernel; the two transcripts must be
# byte-identical (tests/diff/run.sh).  The scenario language and the
# transcript's format are described at the top of tests/diff/realmm.c and
# of tests/diff/run.sh.
#
# realmm parses the scenario for both sides (`realmm -n`: the canonical
# text of each command, a tab, the command with decimal numbers) and
# writes the file pattern (`realmm -p SIZE`); everything that touches the
# lab is done here, through the mount:
#
#   file NAME SIZE         realmm -p SIZE | dd of=MNT/files/NAME
#   proc P                 echo "spawn P" > MNT/ctl; pid from MNT/last_pid
#   map P ...              "mmap ADDR LEN PROT anon|file=NAME@OFF shared|
#                          private" > MNT/PID/ctl (file= is under files/)
#   munmap mprotect msync  the same words > MNT/PID/ctl
#   fork P Q               "fork" > MNT/PID/ctl; Q's pid from MNT/last_pid
#   exit P                 "exit" > MNT/PID/ctl
#   store P ADDR BYTES     dd of=MNT/PID/mem oflag=seek_bytes, one dd a page
#   load P ADDR LEN        dd if=MNT/PID/mem iflag=skip_bytes, one dd a page
#   fwrite fread           dd of= / dd if= MNT/files/NAME at the offset
#   truncate NAME SIZE     truncate -s SIZE MNT/files/NAME
#   end NAME               its size (ls -ln), then all of it (cat)
#
# Faults.  The lab answers a PID/mem access it refuses with EIO and keeps
# the process alive; the real process takes SIGBUS or SIGSEGV, which
# realmm catches.  Loads and stores go one page at a time, in order, as
# the real side's byte-by-byte accesses do, so the first refused page is
# the faulting address.  The word is then read from the lab's own
# MNT/PID/maps, an observation file that changes nothing:
#   no mapping at the address, or one whose PROT refuses the access
#                                                      -> SIGSEGV
#   a file mapping (maps names the file; files/ has it), and the page of
#   the file under the address lies wholly past its end  -> SIGBUS
#   anything else (the lab refused what the kernel allows) -> EIO
# A failure other than EIO is shown as its error text.  (A ctl "touch"
# would report the lab's own signal, but it kills the lab process while
# the real one lives on, so it is not used.)
set -u

[ $# -eq 2 ] || { echo "usage: labmm.sh SCENARIO MOUNTPOINT" >&2; exit 2; }
scn=$1
mnt=$2
REALMM=${REALMM:-./tests/diff/realmm}
W=$(mktemp -d "${TMPDIR:-/tmp}/labmm.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP

"$REALMM" -n "$scn" >"$W/parsed" || exit 2

PAGE=4096

# The error text of the last failed tool ("Invalid argument"), from $W/err.
err_text() {
	sed -n '/: /{s/.*: //p;q;}' "$W/err"
}

# ctl FILE LINE: writes one ctl line; prints "ok" or the error text.
ctl() {
	if printf '%s\n' "$2" | dd of="$1" bs=64k 2>"$W/err" >/dev/null; then
		echo ok
	else
		err_text
	fi
}

# Prints its arguments and a newline; unlike echo, leaves backslashes be
# (a canonical store shows "\\" and "\x00").
out() {
	printf '%s\n' "$*"
}

# The pid of scenario process $1, or nothing.
pid_of() {
	eval "echo \"\${pid_$1:-}\""
}

hex() {
	printf '0x%x' "$1"
}

# fault_word PID ADDR r|w: the signal the refused access stands for.
fault_word() {
	if ! grep -q 'Input/output error' "$W/err"; then
		err_text
		return
	fi
	set -- "$1" "$2" "$3" "$(awk -v a="$2" -v acc="$3" '
	function num(s,  i, n) {
		n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	{
		split($1, r, "-")
		lo = num(r[1]); hi = num(r[2])
		if (a < lo || a >= hi)
			next
		found = 1
		if (substr($2, acc == "r" ? 1 : 2, 1) == "-")
			print "SIGSEGV"
		else if (NF >= 6 && substr($6, 1, 1) != "[")
			printf "file %s %.0f\n", $6,
			    int((a - lo) / 4096) + num($3) / 4096
		else
			print "EIO"
		exit
	}
	END { if (!found) print "SIGSEGV" }' "$mnt/$1/maps" 2>/dev/null)"
	case $4 in
	file\ *)
		set -f
		set -- $4
		set +f
		size=$(file_size "$mnt/files/${2##*/}")
		if [ -n "$size" ] && [ $(($3 * PAGE)) -ge "$size" ]; then
			echo SIGBUS
		else
			echo EIO
		fi
		;;
	"")
		echo EIO
		;;
	*)
		out "$4"
		;;
	esac
}

file_size() {
	ls -ln "$1" 2>/dev/null | awk '{ print $5 }'
}

# dump ADDR FILE: the rows of the bytes in FILE, realmm's format.
dump() {
	n=$(($(wc -c <"$2")))
	od -An -v -tx1 "$2" | awk -v base="$1" -v n="$n" '
	function num(s,  i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function hex(v,  s, d) {
		s = ""
		do {
			d = v % 16
			s = substr("0123456789abcdef", d + 1, 1) s
			v = (v - d) / 16
		} while (v > 0)
		while (length(s) < 8)
			s = "0" s
		return s
	}
	{
		$1 = $1
		off = (NR - 1) * 16
		if (off > 0 && off + 16 < n && $0 == prev) {
			if (!starred)
				print "  *"
			starred = 1
			next
		}
		starred = 0
		prev = $0
		asc = ""
		for (i = 1; i <= NF; i++) {
			c = num($i)
			asc = asc (c >= 32 && c < 127 ? sprintf("%c", c) : ".")
		}
		printf "  %s  %-47s  |%s|\n", hex(base + off), $0, asc
	}'
}

# store PID ADDR LEN OCTAL: "ok" or "N bytes, WORD at 0xADDR".  OCTAL is
# realmm's \ooo escapes, a printf format that holds nothing else.
store() {
	printf "$4" >"$W/data"
	a=$2
	end=$(($2 + $3))
	done=0
	while [ "$a" -lt "$end" ]; do
		next=$(((a / PAGE + 1) * PAGE))
		[ "$next" -le "$end" ] || next=$end
		n=$((next - a))
		if ! dd if="$W/data" of="$mnt/$1/mem" bs="$n" count=1 \
			skip="$done" iflag=skip_bytes seek="$a" \
			oflag=seek_bytes conv=notrunc 2>"$W/err" >/dev/null; then
			echo "$done bytes, $(fault_word "$1" "$a" w) at $(hex "$a")"
			return
		fi
		done=$((done + n))
		a=$next
	done
	echo ok
}

# load PID ADDR LEN: "N bytes[, WORD at 0xADDR]", the bytes in $W/bytes.
load() {
	: >"$W/bytes"
	a=$2
	end=$(($2 + $3))
	while [ "$a" -lt "$end" ]; do
		next=$(((a / PAGE + 1) * PAGE))
		[ "$next" -le "$end" ] || next=$end
		n=$((next - a))
		: >"$W/err"
		: >"$W/chunk"
		dd if="$mnt/$1/mem" of="$W/chunk" bs="$n" count=1 \
			skip="$a" iflag=skip_bytes 2>"$W/err" >/dev/null
		rc=$?
		cat "$W/chunk" >>"$W/bytes" 2>/dev/null
		got=$(($(wc -c <"$W/chunk")))
		if [ "$rc" -ne 0 ] || [ "$got" -ne "$n" ]; then
			a=$((a + got))
			if [ "$rc" -ne 0 ]; then
				word=$(fault_word "$1" "$a" r)
			else
				word="short read"
			fi
			echo "$(($(wc -c <"$W/bytes"))) bytes, $word at $(hex "$a")"
			return
		fi
		a=$next
	done
	echo "$(($(wc -c <"$W/bytes"))) bytes"
}

# One command: $canon is its text, the positional parameters its words.
run_proc_cmd() {
	op=$1
	pid=$(pid_of "$2")
	if [ -z "$pid" ]; then
		out "$canon: no such process"
		return
	fi
	case $op in
	map)
		out "$canon: $(ctl "$mnt/$pid/ctl" "mmap $3 $4 $5 $6 $7")"
		;;
	munmap | msync)
		out "$canon: $(ctl "$mnt/$pid/ctl" "$op $3 $4")"
		;;
	mprotect)
		out "$canon: $(ctl "$mnt/$pid/ctl" "mprotect $3 $4 $5")"
		;;
	store)
		out "$canon: $(store "$pid" "$3" "$4" "$5")"
		;;
	load)
		out "$canon: $(load "$pid" "$3" "$4")"
		dump "$3" "$W/bytes"
		;;
	fork)
		r=$(ctl "$mnt/$pid/ctl" fork)
		[ "$r" != ok ] || eval "pid_$3=\$(cat \"\$mnt/last_pid\")"
		out "$canon: $r"
		;;
	exit)
		out "$canon: $(ctl "$mnt/$pid/ctl" exit)"
		eval "pid_$2="
		;;
	esac
}

run_file_cmd() {
	f=$mnt/files/$2
	case $1 in
	file)
		if "$REALMM" -p "$3" | dd of="$f" bs=64k 2>"$W/err" >/dev/null
		then
			out "$canon: ok"
		else
			out "$canon: $(err_text)"
		fi
		;;
	fwrite)
		printf "$5" >"$W/data" # \ooo escapes, as in store
		if dd if="$W/data" of="$f" bs="$4" count=1 seek="$3" \
			oflag=seek_bytes conv=notrunc 2>"$W/err" >/dev/null; then
			out "$canon: ok"
		else
			out "$canon: $(err_text)"
		fi
		;;
	fread)
		if dd if="$f" of="$W/bytes" bs=64k skip="$3" count="$4" \
			iflag=skip_bytes,count_bytes 2>"$W/err" >/dev/null; then
			out "$canon: $(($(wc -c <"$W/bytes"))) bytes"
			dump "$3" "$W/bytes"
		else
			out "$canon: $(err_text)"
		fi
		;;
	truncate)
		if truncate -s "$3" "$f" 2>"$W/err"; then
			out "$canon: ok"
		else
			out "$canon: $(err_text)"
		fi
		;;
	end)
		size=$(file_size "$f")
		if cat "$f" >"$W/bytes" 2>"$W/err"; then
			out "$canon: size ${size:-?}, read $(($(wc -c <"$W/bytes")))"
			dump 0 "$W/bytes"
		else
			out "$canon: $(err_text)"
		fi
		;;
	esac
}

tab=$(printf '\t')
while IFS= read -r line <&3; do
	canon=${line%%"$tab"*}
	set -f # the words after the tab, split on blanks, never globbed
	set -- ${line#*"$tab"}
	set +f
	case $1 in
	proc)
		r=$(ctl "$mnt/ctl" "spawn $2")
		[ "$r" != ok ] || eval "pid_$2=\$(cat \"\$mnt/last_pid\")"
		out "$canon: $r"
		;;
	file | fwrite | fread | truncate | end)
		run_file_cmd "$@"
		;;
	*)
		run_proc_cmd "$@"
		;;
	esac
done 3<"$W/parsed"
