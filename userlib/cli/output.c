// SPDX-License-Identifier: MIT
/*
 * output.c - the CLI's output: a JSON writer, statistics for humans and for
 * scripts, byte counts, progress lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)
/* The version of the header the command was built with. */
#define CLI_TOOL_VERSION                                        \
	CLI_STR(DEVMIR_VERSION_MAJOR)                           \
	"." CLI_STR(DEVMIR_VERSION_MINOR) "." CLI_STR(DEVMIR_VERSION_PATCH)

const char *cli_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return buf;
}

void cli_json_begin(struct cli_json *j, const struct cli_ctx *ctx)
{
	char now[40];

	memset(j, 0, sizeof(*j));
	j->out = stdout;
	cli_json_object(j, NULL);
	cli_json_u64(j, "schema_version", CLI_JSON_SCHEMA);
	cli_json_str(j, "tool", "devmirror");
	cli_json_str(j, "tool_version", CLI_TOOL_VERSION);
	cli_json_str(j, "library_version", devmir_version());
	cli_json_str(j, "command", ctx->cmd);
	if (ctx->device)
		cli_json_str(j, "device", ctx->device);
	else
		cli_json_null(j, "device");
	cli_json_str(j, "timestamp", cli_timestamp(now, sizeof(now)));
}

static void cli_json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Separator and key before a value at the current depth. */
static void cli_json_key(struct cli_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
	if (key) {
		cli_json_string(j->out, key);
		fputc(':', j->out);
	}
}

static void cli_json_open(struct cli_json *j, const char *key, char c)
{
	cli_json_key(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < (int)ARRAY_SIZE(j->need_comma))
		j->depth++;
	j->need_comma[j->depth] = false;
}

void cli_json_object(struct cli_json *j, const char *key)
{
	cli_json_open(j, key, '{');
}

void cli_json_array(struct cli_json *j, const char *key)
{
	cli_json_open(j, key, '[');
}

static void cli_json_close(struct cli_json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void cli_json_close_object(struct cli_json *j)
{
	cli_json_close(j, '}');
}

void cli_json_close_array(struct cli_json *j)
{
	cli_json_close(j, ']');
}

void cli_json_str(struct cli_json *j, const char *key, const char *value)
{
	cli_json_key(j, key);
	cli_json_string(j->out, value ? value : "");
}

void cli_json_u64(struct cli_json *j, const char *key, uint64_t value)
{
	cli_json_key(j, key);
	fprintf(j->out, "%" PRIu64, value);
}

void cli_json_i64(struct cli_json *j, const char *key, int64_t value)
{
	cli_json_key(j, key);
	fprintf(j->out, "%" PRId64, value);
}

void cli_json_double(struct cli_json *j, const char *key, double value)
{
	cli_json_key(j, key);
	if (isfinite(value))
		fprintf(j->out, "%.6g", value);
	else
		fputs("null", j->out);
}

void cli_json_bool(struct cli_json *j, const char *key, bool value)
{
	cli_json_key(j, key);
	fputs(value ? "true" : "false", j->out);
}

void cli_json_null(struct cli_json *j, const char *key)
{
	cli_json_key(j, key);
	fputs("null", j->out);
}

void cli_json_end(struct cli_json *j)
{
	cli_json_close_object(j);
	fputc('\n', j->out);
	fflush(j->out);
}

int cli_output_status(struct cli_ctx *ctx)
{
	static bool said;
	int err;

	if (!fflush(stdout) && !ferror(stdout))
		return 0;
	err = errno;
	if (!said)
		fprintf(stderr, "devmirror: %s: write error on standard output: %s\n",
			ctx->cmd, strerror(err ? err : EIO));
	said = true;
	return CLI_EXIT_IOERR;
}

int cli_stats_init(struct cli_stats *s, struct devmir_dev *dev)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	devmir_stat_fields(dev, NULL, &s->n);
	s->v = calloc(s->n ? s->n : 1, sizeof(*s->v));
	return s->v ? 0 : -ENOMEM;
}

void cli_stats_fini(struct cli_stats *s)
{
	free(s->v);
	s->v = NULL;
}

int cli_stats_read(struct cli_stats *s, enum devmir_stats_scope scope)
{
	return devmir_stat_read(s->dev, scope, s->v, s->n);
}

void cli_stats_delta(struct cli_stats *delta, const struct cli_stats *after,
		     const struct cli_stats *before)
{
	devmir_stat_delta(after->dev, delta->v, after->v, before->v);
}

uint64_t cli_stat_value(const struct cli_stats *s, const char *name)
{
	return devmir_stat_value(s->dev, s->v, name);
}

uint64_t cli_stat_sum(const struct cli_stats *s, const char *prefix)
{
	const struct devmir_stat_field *f;
	size_t len = strlen(prefix);
	uint64_t sum = 0;
	unsigned int i;

	devmir_stat_fields(s->dev, &f, NULL);
	for (i = 0; i < s->n; i++)
		if (!strncmp(f[i].name, prefix, len))
			sum += s->v[i];
	return sum;
}

void cli_json_stats(struct cli_json *j, const char *key,
		    const struct cli_stats *s)
{
	const struct devmir_stat_field *f;
	unsigned int i;

	devmir_stat_fields(s->dev, &f, NULL);
	cli_json_object(j, key);
	for (i = 0; i < s->n; i++)
		cli_json_u64(j, f[i].name, s->v[i]);
	cli_json_close_object(j);
}

/* Invalidation events, by statistic name, and how the summary calls them. */
static const char *const cli_inv_names[][2] = {
	{ "inv_unmap", "unmap" },	   { "inv_clear", "clear" },
	{ "inv_protection_vma", "mprotect" }, { "inv_protection_page", "wrprotect" },
	{ "inv_soft_dirty", "soft-dirty" }, { "inv_release", "release" },
	{ "inv_migrate", "migrate" },	   { "inv_exclusive", "exclusive" },
	{ "inv_other", "other" },
};

/* Statistics the grouped lines below print; any other gets a line of its own. */
static const char *const cli_grouped[] = {
	"faults_raised", "faults_coalesced", "faults", "faults_resolved",
	"fault_errors", "fault_batches", "hmm_calls", "hmm_busy", "hmm_retries",
	"pages_mapped", "huge_mapped", "tlb_hits", "tlb_misses",
	"tlb_shootdowns", "tlb_flushed", "walks", "walk_levels", "accesses",
	"inv_unmap", "inv_clear", "inv_protection_vma", "inv_protection_page",
	"inv_soft_dirty", "inv_release", "inv_migrate", "inv_exclusive",
	"inv_other", "inv_skipped", "inv_retry", "pages_invalidated",
	"pages_protected", "migrated_to_device", "migrated_to_system",
	"migrate_bytes", "migrate_failed", "ram_faults", "evictions",
	"policy_migrations", "remote_faults", "exclusive_grants",
	"exclusive_fallbacks", "devmem_used", "devmem_pages", "table_bytes",
	"dirs_pruned", "splits", "mirrors",
};

static bool cli_is_grouped(const char *name)
{
	unsigned int i;

	if (!strncmp(name, "table_entries_l", 15) ||
	    !strncmp(name, "table_dirs_l", 12))
		return true;
	for (i = 0; i < ARRAY_SIZE(cli_grouped); i++)
		if (!strcmp(cli_grouped[i], name))
			return true;
	return false;
}

void cli_print_stats(const struct cli_stats *s, unsigned int levels,
		     int indent)
{
	const struct devmir_stat_field *f;
	char bytes[32], name[32];
	unsigned int l, e, i;
	uint64_t v;
	bool any;

#define S(n) cli_stat_value(s, n)
	printf("%*sfaults        raised %" PRIu64 ", coalesced %" PRIu64
	       ", serviced %" PRIu64 ", resolved by fault-ahead %" PRIu64
	       ", failed %" PRIu64 ", in %" PRIu64 " batches\n",
	       indent, "", S("faults_raised"), S("faults_coalesced"),
	       S("faults"), S("faults_resolved"), S("fault_errors"),
	       S("fault_batches"));
	printf("%*shmm           %" PRIu64 " hmm_range_fault() calls, %" PRIu64
	       " -EBUSY, %" PRIu64 " retries after invalidation\n",
	       indent, "", S("hmm_calls"), S("hmm_busy"), S("hmm_retries"));
	printf("%*smapped        %" PRIu64 " pages of 4 KiB, %" PRIu64
	       " huge leaves\n",
	       indent, "", S("pages_mapped"), S("huge_mapped"));
	printf("%*sTLB           %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
	       " shootdowns dropping %" PRIu64 " entries\n",
	       indent, "", S("tlb_hits"), S("tlb_misses"), S("tlb_shootdowns"),
	       S("tlb_flushed"));
	printf("%*swalker        %" PRIu64 " walks reading %" PRIu64
	       " directories; %" PRIu64 " access commands\n",
	       indent, "", S("walks"), S("walk_levels"), S("accesses"));
	printf("%*sinvalidations", indent, "");
	for (e = 0, any = false; e < ARRAY_SIZE(cli_inv_names); e++) {
		v = S(cli_inv_names[e][0]);
		if (!v)
			continue;
		printf(" %s %" PRIu64, cli_inv_names[e][1], v);
		any = true;
	}
	printf("%s; %" PRIu64 " pages dropped, %" PRIu64
	       " write-protected; %" PRIu64 " skipped, %" PRIu64 " refused\n",
	       any ? "" : " none", S("pages_invalidated"), S("pages_protected"),
	       S("inv_skipped"), S("inv_retry"));
	printf("%*smigration     %" PRIu64 " pages to device, %" PRIu64
	       " to system (%s copied), %" PRIu64 " failed; %" PRIu64
	       " CPU faults on device pages, %" PRIu64 " evictions\n",
	       indent, "", S("migrated_to_device"), S("migrated_to_system"),
	       cli_human_bytes(bytes, sizeof(bytes), S("migrate_bytes")),
	       S("migrate_failed"), S("ram_faults"), S("evictions"));
	printf("%*s              %" PRIu64 " by fault policy, %" PRIu64
	       " faults on peer pages; atomics: %" PRIu64 " exclusive, %" PRIu64
	       " fallbacks; device memory %" PRIu64 "/%" PRIu64 " pages used\n",
	       indent, "", S("policy_migrations"), S("remote_faults"),
	       S("exclusive_grants"), S("exclusive_fallbacks"), S("devmem_used"),
	       S("devmem_pages"));
	printf("%*stable        ", indent, "");
	for (l = levels; l-- > 0;) {
		char entries[32];

		snprintf(name, sizeof(name), "table_dirs_l%u", l);
		snprintf(entries, sizeof(entries), "table_entries_l%u", l);
		printf(" L%u %" PRIu64 "/%" PRIu64, l, S(name), S(entries));
	}
	printf(" (directories/leaves), %s, %" PRIu64 " pruned, %" PRIu64
	       " splits, %" PRIu64 " mirror(s)\n",
	       cli_human_bytes(bytes, sizeof(bytes), S("table_bytes")),
	       S("dirs_pruned"), S("splits"), S("mirrors"));
#undef S
	devmir_stat_fields(s->dev, &f, NULL);
	for (i = 0; i < s->n; i++)
		if (!cli_is_grouped(f[i].name))
			printf("%*s%-13s %" PRIu64 "%s%s\n", indent, "", f[i].name,
			       s->v[i], *f[i].description ? "  " : "",
			       f[i].description);
}

const char *cli_human_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double v = bytes;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v == floor(v))
		snprintf(buf, len, "%.0f %s", v, units[u]);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if (!v || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void cli_progress_begin(struct cli_progress *p, const struct cli_ctx *ctx,
			const char *label, uint64_t total)
{
	p->label = label;
	p->total = total ? total : 1;
	p->shown = -1;
	p->active = ctx->progress && !ctx->json && isatty(STDERR_FILENO);
	cli_progress_update(p, 0);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
	const int width = 30;
	int pct, fill;

	if (!p->active)
		return;
	pct = done >= p->total ? 100 : (int)(done * 100 / p->total);
	if (pct == p->shown)
		return;
	p->shown = pct;
	fill = pct * width / 100;
	fprintf(stderr, "\r%-28s [%.*s%*s] %3d%%", p->label, fill,
		"##############################", width - fill, "", pct);
	fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
	if (!p->active)
		return;
	/* Erase the line: the result is printed in its place. */
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->active = false;
}
