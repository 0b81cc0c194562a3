// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - run a program and capture its stdout, stderr and exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "run.h"

/* Append what @fd has to *@buf; false at end of file. */
static bool run_drain(int fd, char **buf, size_t *len)
{
	char chunk[4096], *t;
	ssize_t n;

	n = read(fd, chunk, sizeof(chunk));
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	t = realloc(*buf, *len + n + 1);
	if (!t)
		return false;
	memcpy(t + *len, chunk, n);
	*len += n;
	t[*len] = '\0';
	*buf = t;
	return true;
}

int run_capture(struct run_result *res, char *const env[], char *const argv[])
{
	int out[2], err[2], status, i;
	size_t olen = 0, elen = 0;
	struct pollfd pfd[2];
	bool open_out = true, open_err = true;
	pid_t pid;

	res->status = -1;
	res->out = calloc(1, 1);
	res->err = calloc(1, 1);
	if (!res->out || !res->err)
		return -ENOMEM;
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		for (i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (open_out || open_err) {
		pfd[0].fd = open_out ? out[0] : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = open_err ? err[0] : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (open_out && pfd[0].revents)
			open_out = run_drain(out[0], &res->out, &olen);
		if (open_err && pfd[1].revents)
			open_err = run_drain(err[0], &res->err, &elen);
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	return 0;
}

void run_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = NULL;
	res->err = NULL;
}

const char *run_prog_dir(void)
{
	static char dir[PATH_MAX];
	char self[PATH_MAX];
	ssize_t len;

	if (!dir[0]) {
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len <= 0)
			return ".";
		self[len] = '\0';
		snprintf(dir, sizeof(dir), "%s", dirname(self));
	}
	return dir;
}

int run_cli(struct run_result *res, struct json **j, ...)
{
	char *argv[24], path[PATH_MAX + 16], err[128];
	int n = 0, ret;
	va_list ap;

	snprintf(path, sizeof(path), "%s/devmirror", run_prog_dir());
	argv[n++] = path;
	va_start(ap, j);
	while (n < 23 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	ret = run_capture(res, NULL, argv);
	if (j) {
		*j = json_parse(res->out, err, sizeof(err));
		if (!*j)
			fprintf(stderr,
				"# bad JSON (%s): %.300s\n# stderr: %.500s\n",
				err, res->out, res->err);
	}
	return ret;
}

unsigned long long run_json_u64(const struct json *j, const char *path)
{
	uint64_t v = UINT64_MAX;

	if (j)
		json_u64(j, path, &v);
	return v;
}
