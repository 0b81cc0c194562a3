// SPDX-License-Identifier: GPL-2.0
/*
 * Replays fuzz inputs (files, or every file of directories) through the
 * fuzz target without libFuzzer, so that the seed corpus runs in every
 * build of the unit suite. Prints one TAP line.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "testlib.h"

static unsigned long replayed;

static void replay_file(const char *path)
{
	static u8 buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	CHECK(f);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	replayed++;
}

static void replay_path(const char *path)
{
	char child[4096];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if (stat(path, &sb)) {
		CHECK(!"input path exists");
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		replay_file(path);
		return;
	}
	d = opendir(path);
	CHECK(d);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		replay_path(child);
	}
	if (d)
		closedir(d);
}

static int nr_paths;
static char **paths;

static void test_replay(void *arg)
{
	int i;

	for (i = 0; i < nr_paths; i++)
		if (strcmp(paths[i], "--tag") &&
		    (!i || strcmp(paths[i - 1], "--tag")))
			replay_path(paths[i]);
	printf("# replayed %lu fuzz inputs\n", replayed);
	CHECK(replayed > 0);
	tl_check_no_leaks();
}

int main(int argc, char **argv)
{
	tap_init(argc, argv, "unit.");
	LLVMFuzzerInitialize(&argc, &argv);
	nr_paths = argc - 1;
	paths = argv + 1;
	tap_run("fuzz_corpus_replays_clean", test_replay, NULL);
	return tap_done();
}
