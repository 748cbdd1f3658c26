/*
 * test_hostdir.c - paths inside a directory (hostdir.h): nested
 * directories and O_CREAT work, and no symlink, "..", or absolute path
 * ever reaches a file outside, whether it exists or would be created.
 *
 * Each test gets a fresh tree under one mkdtemp directory per tcase
 * (made and removed by the parent, so a failed forked test leaves
 * nothing behind):
 *
 *	STATE/t-XXXXXX/outside/secret      "secret\n", the file to protect
 *	STATE/t-XXXXXX/root/                the directory paths start from
 *	               root/a/b/c           "abc\n"
 *	               root/f               "f\n"
 */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmlab/hostdir.h"

#include "lib.h"

static char dir[96];
static int rootfd = -1;

/* Writes text to dir/rel (a new file). */
static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
sub(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void
link_to(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static bool
exists(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

static void
setup(void)
{
	char path[160];

	snprintf(dir, sizeof(dir), "%s/t-XXXXXX", t_state);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	sub("outside");
	put("outside/secret", "secret\n");
	sub("root");
	sub("root/a");
	sub("root/a/b");
	put("root/a/b/c", "abc\n");
	put("root/f", "f\n");
	snprintf(path, sizeof(path), "%s/root", dir);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
}

static void
teardown(void)
{
	close(rootfd);
	rootfd = -1;
}

/* Reads what fd holds (at most 63 bytes) and closes it. */
static const char *
slurp(int fd)
{
	static char buf[64];
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* What the host file dir/rel holds, opened by its plain path. */
static const char *
host_text(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return slurp(open(path, O_RDONLY | O_CLOEXEC));
}

/* The number of descriptors this process has open. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_hostdir_nested)
{
	ck_assert_str_eq(slurp(vm_hostdir_open(rootfd, "a/b/c", O_RDONLY, 0)),
			 "abc\n");
	ck_assert_str_eq(slurp(vm_hostdir_open(rootfd, "f", O_RDONLY, 0)),
			 "f\n");
}
END_TEST

START_TEST(test_hostdir_skips_empty_and_dot)
{
	static const char *const forms[] = { "a//b/c", "./a/b/c", "a/./b/./c",
					     "a/b//./c", "././a///b/c" };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		ck_assert_str_eq(slurp(vm_hostdir_open(rootfd, forms[i],
						       O_RDONLY, 0)),
				 "abc\n");
}
END_TEST

START_TEST(test_hostdir_dot_is_the_directory)
{
	struct stat want, got;
	int fd = vm_hostdir_open(rootfd, ".", O_RDONLY | O_DIRECTORY, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(rootfd, &want), 0);
	ck_assert_int_eq(fstat(fd, &got), 0);
	ck_assert(want.st_ino == got.st_ino && want.st_dev == got.st_dev);
	close(fd);
}
END_TEST

START_TEST(test_hostdir_create)
{
	int fd = vm_hostdir_open(rootfd, "a/b/new", O_WRONLY | O_CREAT | O_EXCL,
				 0640);
	struct stat st;
	char path[256];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "new\n", 4), 4);
	close(fd);
	snprintf(path, sizeof(path), "%s/root/a/b/new", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 4);
	ck_assert_str_eq(slurp(vm_hostdir_open(rootfd, "a/b/new", O_RDONLY,
					       0)),
			 "new\n");
	/* O_EXCL on a file that is there */
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a/b/new",
					 O_WRONLY | O_CREAT | O_EXCL, 0640),
			 -EEXIST);
	/* O_CREAT makes the last component only */
	ck_assert_int_eq(vm_hostdir_open(rootfd, "x/y", O_WRONLY | O_CREAT,
					 0640),
			 -ENOENT);
	ck_assert(!exists("root/x"));
}
END_TEST

START_TEST(test_hostdir_o_path)
{
	struct stat st;
	int fd = vm_hostdir_open(rootfd, "a/b", O_PATH | O_DIRECTORY, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	close(fd);
}
END_TEST

START_TEST(test_hostdir_symlink_outside)
{
	link_to("../outside/secret", "root/evil");
	link_to("/etc/passwd", "root/passwd");
	ck_assert_int_eq(vm_hostdir_open(rootfd, "evil", O_RDONLY, 0), -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "evil", O_PATH, 0), -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "evil", O_RDWR | O_TRUNC, 0),
			 -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "passwd", O_RDONLY, 0),
			 -ELOOP);
	/* untouched */
	ck_assert_str_eq(slurp(vm_hostdir_open(rootfd, "a/b/c", O_RDONLY, 0)),
			 "abc\n");
	ck_assert_str_eq(host_text("outside/secret"), "secret\n");
}
END_TEST

START_TEST(test_hostdir_symlink_on_the_way)
{
	/* a link to a directory outside, and one that stays inside: both
	 * refused, wherever they are in the path */
	link_to("../outside", "root/out");
	link_to("b", "root/a/in");
	ck_assert_int_eq(vm_hostdir_open(rootfd, "out/secret", O_RDONLY, 0),
			 -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a/in/c", O_RDONLY, 0),
			 -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "out/", O_PATH, 0), -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "out/", O_RDONLY, 0), -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "out", O_PATH | O_DIRECTORY,
					 0),
			 -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "out/new", O_WRONLY | O_CREAT,
					 0600),
			 -ELOOP);
	ck_assert(!exists("outside/new"));
}
END_TEST

START_TEST(test_hostdir_symlink_create)
{
	/* a dangling link where a file is to be made: nothing is made at
	 * its target, with or without O_EXCL */
	link_to("../outside/made", "root/dang");
	ck_assert_int_eq(vm_hostdir_open(rootfd, "dang", O_WRONLY | O_CREAT,
					 0600),
			 -ELOOP);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "dang",
					 O_WRONLY | O_CREAT | O_EXCL, 0600),
			 -EEXIST);
	ck_assert(!exists("outside/made"));
}
END_TEST

START_TEST(test_hostdir_dotdot)
{
	static const char *const paths[] = { "..", "../outside/secret",
					     "a/../f", "a/..", "a/b/../../f",
					     "./..", "a//..//f" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		ck_assert_msg(vm_hostdir_open(rootfd, paths[i], O_RDONLY, 0) ==
				      -EACCES,
			      "'%s' not refused", paths[i]);
	/* ".." in a name is just a name */
	put("root/..x", "dots\n");
	ck_assert_str_eq(slurp(vm_hostdir_open(rootfd, "..x", O_RDONLY, 0)),
			 "dots\n");
}
END_TEST

START_TEST(test_hostdir_absolute)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/root/f", dir);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "/etc/passwd", O_RDONLY, 0),
			 -EINVAL);
	ck_assert_int_eq(vm_hostdir_open(rootfd, path, O_RDONLY, 0), -EINVAL);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "/", O_RDONLY, 0), -EINVAL);
}
END_TEST

START_TEST(test_hostdir_errors)
{
	ck_assert_int_eq(vm_hostdir_open(rootfd, "", O_RDONLY, 0), -ENOENT);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "nope", O_RDONLY, 0),
			 -ENOENT);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a/nope/c", O_RDONLY, 0),
			 -ENOENT);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "f/x", O_RDONLY, 0),
			 -ENOTDIR);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "f/", O_RDONLY, 0), -ENOTDIR);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "f/.", O_RDONLY, 0),
			 -ENOTDIR);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a", O_WRONLY, 0), -EISDIR);
}
END_TEST

START_TEST(test_hostdir_limits_lengths)
{
	char name[NAME_MAX + 2], *path = malloc(PATH_MAX + 1);
	int fd;

	ck_assert_ptr_nonnull(path);
	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	fd = vm_hostdir_open(rootfd, name, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	strcat(name, "n");
	ck_assert_int_eq(vm_hostdir_open(rootfd, name, O_RDONLY, 0),
			 -ENAMETOOLONG);
	memset(path, 'a', PATH_MAX);
	for (size_t i = 1; i < PATH_MAX; i += 2)
		path[i] = '/';
	path[PATH_MAX] = '\0';
	ck_assert_int_eq(vm_hostdir_open(rootfd, path, O_RDONLY, 0),
			 -ENAMETOOLONG);
	free(path);
}
END_TEST

START_TEST(test_hostdir_limits_no_fd_left)
{
	int before;

	link_to("../outside", "root/out");
	before = open_fds();
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a/b/c/d", O_RDONLY, 0),
			 -ENOTDIR);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a/b/nope", O_RDONLY, 0),
			 -ENOENT);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "a/b/../c", O_RDONLY, 0),
			 -EACCES);
	ck_assert_int_eq(vm_hostdir_open(rootfd, "out/secret", O_RDONLY, 0),
			 -ELOOP);
	close(vm_hostdir_open(rootfd, "a/b/c", O_RDONLY, 0));
	ck_assert_int_eq(open_fds(), before);
	/* the caller's directory stays open */
	ck_assert_int_ge(fcntl(rootfd, F_GETFD), 0);
}
END_TEST

Suite *
suite_hostdir(void)
{
	Suite *s = suite_create("hostdir");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_hostdir_nested);
	tcase_add_test(core, test_hostdir_skips_empty_and_dot);
	tcase_add_test(core, test_hostdir_dot_is_the_directory);
	tcase_add_test(core, test_hostdir_create);
	tcase_add_test(core, test_hostdir_o_path);
	tcase_add_test(limits, test_hostdir_limits_lengths);
	tcase_add_test(limits, test_hostdir_limits_no_fd_left);
	tcase_add_test(errors, test_hostdir_symlink_outside);
	tcase_add_test(errors, test_hostdir_symlink_on_the_way);
	tcase_add_test(errors, test_hostdir_symlink_create);
	tcase_add_test(errors, test_hostdir_dotdot);
	tcase_add_test(errors, test_hostdir_absolute);
	tcase_add_test(errors, test_hostdir_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	for (TCase **tc = (TCase *[]){ core, limits, errors, NULL }; *tc;
	     tc++) {
		tcase_add_unchecked_fixture(*tc, t_state_setup, t_state_teardown);
		tcase_add_checked_fixture(*tc, setup, teardown);
	}
	return s;
}
