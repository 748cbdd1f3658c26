#!/bin/sh
# files/: the real files of a backing directory, read and written as on a
# local file system; a symlink put there from outside is never followed;
# the bytes are in the directory after unmount; -o files=DIR chooses it;
# -o nosymfollow shows a planted link's target.
. "${srcdir:-.}/tests/fs/lib.sh"
lab_mount
F=$MNT/files
B=$T/state/files

# --- the directory: listed in the root, made 0700 at STATE/files --------
ls "$MNT" | grep -qx files || fail "the root does not list files"
expect_eq "$(stat -c %F "$F")" directory "type of files/"
expect_eq "$(stat -c %a "$B")" 700 "mode of the backing directory made"
expect_eq "$(ls -A "$F")" "" "files/ of a fresh state directory"
grep -q "files/ in $(cd "$B" && pwd -P);" "$MNT/log" ||
	fail "the log does not say where files/ is: $(cat "$MNT/log")"

# --- create, write, append, overwrite -----------------------------------
printf 'hello\n' >"$F/a" || fail "create"
expect_eq "$(cat "$F/a")" hello "read back"
expect_eq "$(stat -c %s "$F/a")" 6 "size after create"
printf 'world\n' >>"$F/a" || fail "append"
printf 'hello\nworld\n' >"$T/a"
cmp "$T/a" "$F/a" || fail "content after >>"
expect_eq "$(stat -c %s "$F/a")" 12 "size after >>"
printf 'x\n' >"$F/a" || fail "overwrite"
printf 'x\n' >"$T/a"
cmp "$T/a" "$F/a" || fail "content after > (O_TRUNC)"
expect_eq "$(stat -c %s "$F/a")" 2 "size after > (O_TRUNC)"
# the page cache writes back: the host file has the bytes after fsync
dirty=$(awk '$1 == "Dirty:" { print $2 }' "$MNT/meminfo")
[ "$dirty" -gt 0 ] || fail "no dirty page-cache page after a write"
sync "$F/a" || fail "fsync"
expect_eq "$(awk '$1 == "Dirty:" { print $2 }' "$MNT/meminfo")" 0 \
	"Dirty after fsync"
cmp "$T/a" "$B/a" || fail "the backing file differs"

# O_EXCL: refused on an existing name, fine on a new one
if dd if=/dev/null of="$F/a" conv=excl 2>"$T/err"; then
	fail "O_EXCL create over an existing file"
fi
grep -q 'File exists' "$T/err" || fail "O_EXCL: $(cat "$T/err")"
dd if=/dev/null of="$F/new" conv=excl 2>"$T/err" ||
	fail "O_EXCL create of a new name: $(cat "$T/err")"
expect_eq "$(stat -c %s "$F/new")" 0 "size of a file made empty"

# a file still open after its name is gone reads on
printf 'still here\n' >"$F/u"
exec 3<"$F/u"
rm "$F/u"
[ ! -e "$B/u" ] || fail "unlink left the host file"
expect_eq "$(cat <&3)" "still here" "read of an open, unlinked file"
exec 3<&-

# --- modes and times -----------------------------------------------------
(umask 027 && : >"$F/m") || fail "create under umask 027"
expect_eq "$(stat -c %a "$F/m")" 640 "mode of a file made under umask 027"
chmod 604 "$F/m" || fail "chmod"
expect_eq "$(stat -c %a "$F/m")" 604 "mode after chmod"
expect_eq "$(stat -c %a "$B/m")" 604 "host mode after chmod"
(umask 0 && mkdir -m 751 "$F/md") || fail "mkdir -m 751"
expect_eq "$(stat -c %a "$F/md")" 751 "mode of a directory made"
rmdir "$F/md" || fail "rmdir md"

touch -d '2001-02-03 04:05:06 UTC' "$F/a" || fail "touch -d"
expect_eq "$(stat -c %Y "$F/a")" 981173106 "mtime set by touch -d"
expect_eq "$(stat -c %Y "$B/a")" 981173106 "host mtime set by touch -d"
printf 'y' >>"$F/a"
t=$(stat -c %Y "$F/a")
[ "$t" -gt 981173106 ] || fail "mtime did not move with a write: $t"
expect_eq "$t" "$(stat -c %Y "$B/a")" "mtime against the host's"
expect_eq "$(stat -c %s "$F/a")" 3 "size after a 1-byte append"

# --- truncate ------------------------------------------------------------
truncate -s 10000 "$F/a" || fail "truncate up"
expect_eq "$(stat -c %s "$F/a")" 10000 "size after truncate -s 10000"
expect_eq "$(stat -c %s "$B/a")" 10000 "host size after truncate -s 10000"
expect_eq "$(tail -c 9997 "$F/a" | tr -d '\000' | wc -c)" 0 \
	"bytes past the old end"
truncate -s 1 "$F/a" || fail "truncate down"
expect_eq "$(cat "$F/a")" x "content after truncate -s 1"
expect_eq "$(stat -c %s "$F/a")" 1 "size after truncate -s 1"

# --- errors --------------------------------------------------------------
if cat "$F/nope" 2>"$T/err"; then fail "read of a missing file"; fi
grep -q 'No such file or directory' "$T/err" || fail "ENOENT: $(cat "$T/err")"
mkdir "$F/d" || fail "mkdir"
if (printf x >"$F/d") 2>"$T/err"; then fail "a directory opened for write"; fi
grep -q 'Is a directory' "$T/err" || fail "EISDIR: $(cat "$T/err")"
if cat "$F/a/x" 2>"$T/err"; then fail "a file used as a directory"; fi
grep -q 'Not a directory' "$T/err" || fail "ENOTDIR: $(cat "$T/err")"
if mkdir "$F/a/x" 2>"$T/err"; then fail "mkdir under a file"; fi
grep -q 'Not a directory' "$T/err" || fail "mkdir ENOTDIR: $(cat "$T/err")"
if mkdir "$F/d" 2>"$T/err"; then fail "mkdir of an existing name"; fi
grep -q 'File exists' "$T/err" || fail "mkdir EEXIST: $(cat "$T/err")"
if ln -s a "$F/l" 2>"$T/err"; then fail "symlink made in files/"; fi
grep -q 'Operation not permitted' "$T/err" || fail "symlink: $(cat "$T/err")"
if ln "$F/a" "$F/h" 2>"$T/err"; then fail "hard link made in files/"; fi
grep -q 'Operation not permitted' "$T/err" || fail "link: $(cat "$T/err")"
if mkfifo "$F/fifo" 2>"$T/err"; then fail "FIFO made in files/"; fi
grep -q 'Operation not permitted' "$T/err" || fail "mkfifo: $(cat "$T/err")"

# --- directories and renames --------------------------------------------
mkdir "$F/d/sub" || fail "mkdir d/sub"
printf 'in d\n' >"$F/d/sub/f"
if rmdir "$F/d" 2>"$T/err"; then fail "rmdir of a non-empty directory"; fi
grep -q 'Directory not empty' "$T/err" || fail "ENOTEMPTY: $(cat "$T/err")"
mv "$F/d" "$F/e" || fail "rename of a directory"
[ ! -e "$F/d" ] || fail "the directory's old name is still there"
expect_eq "$(cat "$F/e/sub/f")" "in d" "a file in a renamed directory"
sync "$F/e/sub/f"
expect_eq "$(cat "$B/e/sub/f")" "in d" "the host file in the renamed directory"
printf one >"$F/r1"
printf two >"$F/r2"
mv "$F/r1" "$F/r2" || fail "rename over an existing file"
[ ! -e "$F/r1" ] || fail "the file's old name is still there"
expect_eq "$(cat "$F/r2")" one "content after rename over a file"
mv "$F/r2" "$F/e/r3" || fail "rename into a directory"
expect_eq "$(cat "$F/e/r3")" one "content after rename into a directory"
rm "$F/e/r3" "$F/e/sub/f" || fail "unlink"
[ ! -e "$B/e/r3" ] || fail "unlink left the host file"
rmdir "$F/e/sub" || fail "rmdir of an empty directory"
expect_eq "$(ls -A "$F/e")" "" "listing of an emptied directory"
expect_eq "$(ls "$F" | tr '\n' ' ')" "a e m new " "listing of files/"
expect_eq "$(ls "$B" | tr '\n' ' ')" "a e m new " "listing of the host dir"
# moving out of files/ copies (EXDEV) and cannot create in the root
if mv "$F/a" "$MNT/a" 2>/dev/null; then fail "a file moved into the root"; fi
expect_eq "$(cat "$F/a")" x "a file after a failed move out of files/"

# --- a 5 MiB file ----------------------------------------------------------
head -c $((5 << 20)) /dev/urandom >"$T/big"
cp "$T/big" "$F/big" || fail "cp of 5 MiB"
expect_eq "$(stat -c %s "$F/big")" 5242880 "size of the 5 MiB file"
cmp "$T/big" "$F/big" || fail "the 5 MiB file read back"
sync "$F/big"
cmp "$T/big" "$B/big" || fail "the 5 MiB file on the host"
dd if="$F/big" bs=4096 skip=1000 count=3 status=none >"$T/part"
dd if="$T/big" bs=4096 skip=1000 count=3 status=none | cmp - "$T/part" ||
	fail "a read at an offset"

# --- a symlink put in the backing directory from outside ------------------
ln -s /etc/passwd "$B/evil"
ln -s /etc "$B/etc"
expect_eq "$(stat -c %F "$F/evil")" "symbolic link" "type of a planted link"
if cat "$F/evil" >"$T/out" 2>"$T/err"; then
	fail "read through a symlink to /etc/passwd"
fi
[ ! -s "$T/out" ] || fail "bytes came through the symlink"
grep -q 'Too many levels of symbolic links' "$T/err" ||
	fail "read through a symlink: $(cat "$T/err")"
if cat "$F/etc/passwd" >"$T/out" 2>"$T/err"; then
	fail "read through a symlinked directory"
fi
[ ! -s "$T/out" ] || fail "bytes came through the symlinked directory"
grep -q 'Too many levels of symbolic links' "$T/err" ||
	fail "read through a symlinked directory: $(cat "$T/err")"
if (printf x >"$F/evil") 2>"$T/err"; then fail "write through a symlink"; fi
grep -q 'Too many levels of symbolic links' "$T/err" ||
	fail "write through a symlink: $(cat "$T/err")"
# readlink shows the target when the mount is nosymfollow (root), and
# fails with ELOOP where it is not (see vmlabfs(1))
if grep -q 'never followed (mount nosymfollow)' "$MNT/log"; then
	expect_eq "$(readlink "$F/evil")" /etc/passwd "readlink of a planted link"
elif readlink "$F/evil" >/dev/null 2>&1; then
	fail "readlink answered on a mount that follows symlinks"
fi
expect_eq "$(readlink "$B/evil")" /etc/passwd "the planted link itself"
rm "$F/evil" "$F/etc" || fail "unlink of planted links"
[ ! -L "$B/evil" ] && [ ! -L "$B/etc" ] || fail "planted links still there"
[ -s /etc/passwd ] || fail "/etc/passwd harmed"

# --- `..` is the kernel's: files/.. is the mount root ----------------------
cmp "$F/../README" "$MNT/README" || fail "files/../README"
expect_eq "$(cat "$F/e/../../last_pid")" "$(cat "$MNT/last_pid")" \
	"files/e/../../last_pid"
ls "$F/.." | grep -qx ctl || fail "ls files/.. does not list ctl"
expect_eq "$(cd "$F/e" && cat ../a)" x "cat ../a from files/e"

# --- the bytes stay after unmount; a new mount sees them --------------------
lab_unmount
cmp "$T/big" "$B/big" || fail "the 5 MiB file after unmount"
expect_eq "$(cat "$B/a")" x "a after unmount"
lab_mount
cmp "$T/big" "$F/big" || fail "the 5 MiB file at the next mount"
lab_unmount

# --- -o files=DIR and --files=DIR --------------------------------------------
lab_mount -o "files=$T/other"
expect_eq "$(stat -c %a "$T/other")" 700 "mode of files=DIR made"
expect_eq "$(ls -A "$F")" "" "files/ of a new files=DIR"
printf 'elsewhere\n' >"$F/o" || fail "create in files=DIR"
grep -q "files/ in $(cd "$T/other" && pwd -P);" "$MNT/log" ||
	fail "the log does not name files=DIR"
lab_unmount
expect_eq "$(cat "$T/other/o")" elsewhere "the file in files=DIR"
[ ! -e "$B/o" ] || fail "files=DIR wrote to STATE/files"
lab_mount "--files=$T/other"
expect_eq "$(cat "$F/o")" elsewhere "a file of --files=DIR"
lab_unmount
if timeout 30 "$VMLABFS" -f -o "state=$T/state" -o "files=$T/no/such" \
	"$MNT" 2>"$T/err"; then
	fail "mounted with files= in a missing directory"
fi
grep -q "files directory $T/no/such: No such file or directory" "$T/err" ||
	fail "files= error: $(cat "$T/err")"

# --- -o nosymfollow: readlink shows a planted link, self is not followed --
ln -s /etc/passwd "$B/evil"
lab_mount -o nosymfollow
echo spawn me >"$MNT/ctl" || fail "spawn"
if grep -q 'never followed (mount nosymfollow)' "$MNT/log"; then
	expect_eq "$(readlink "$F/evil")" /etc/passwd \
		"readlink of a planted link under nosymfollow"
	if cat "$MNT/self/comm" >/dev/null 2>"$T/err"; then
		fail "self followed on a nosymfollow mount"
	fi
	grep -q 'Too many levels of symbolic links' "$T/err" ||
		fail "self under nosymfollow: $(cat "$T/err")"
else
	# the kernel refused nosymfollow (not root): as without the option
	readlink "$F/evil" >/dev/null 2>&1 &&
		fail "readlink answered on a mount that follows symlinks"
fi
expect_eq "$(readlink "$MNT/self")" 1 "readlink of self"
if cat "$F/evil" >/dev/null 2>&1; then fail "read through a symlink"; fi
lab_unmount
rm "$B/evil"
exit 0
