/*
 * replay.c — runs a harness without libFuzzer: each argument is a file or
 * a directory of files, each file one input.  For gcc builds, valgrind, or
 * a machine without clang's fuzzer runtime:
 *   cc -O1 -g -Isrc test/fuzz/replay.c test/fuzz/fuzz_text.c src/wide.c \
 *      src/flow.c src/flowtext.c -o /tmp/replay_text
 *   /tmp/replay_text test/fuzz/corpus/text
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long runs = 0;

static void
RunFile(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf;
	long		n;

	if (f == NULL)
	{
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? n : 1);
	if (n > 0 && fread(buf, 1, n, f) != (size_t) n)
	{
		perror(path);
		exit(2);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t) n);
	free(buf);
	runs++;
}

static void
Run(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
	{
		perror(path);
		exit(2);
	}
	if (S_ISDIR(st.st_mode))
	{
		DIR		   *d = opendir(path);
		struct dirent *e;

		while ((e = readdir(d)) != NULL)
		{
			char		sub[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			Run(sub);
		}
		closedir(d);
	}
	else
		RunFile(path);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		Run(argv[i]);
	printf("replayed %ld inputs\n", runs);
	return 0;
}
