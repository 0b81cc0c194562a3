// SPDX-License-Identifier: GPL-2.0
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

void cli_json_begin(struct cli_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
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
	fputc('\n', j->out);
	fflush(j->out);
}

void cli_json_stats(struct cli_json *j, const char *key,
		    const struct devmir_stats *st)
{
	const struct devmir_stat_field *f;
	unsigned int n, i;

	f = devmir_stat_fields(&n);
	cli_json_object(j, key);
	for (i = 0; i < n; i++)
		cli_json_u64(j, f[i].name, devmir_stat_value(st, &f[i]));
	cli_json_close_object(j);
}

static const char *const cli_inv_names[DEVMIR_INV_EVENTS] = {
	"unmap",      "clear",	 "mprotect", "wrprotect",
	"soft-dirty", "release", "migrate",  "exclusive",
};

void cli_print_stats(const struct devmir_stats *st, unsigned int levels,
		     int indent)
{
	unsigned int l, e;
	char bytes[32];
	bool any;

	printf("%*sfaults        raised %" PRIu64 ", coalesced %" PRIu64
	       ", serviced %" PRIu64 ", resolved by fault-ahead %" PRIu64
	       ", failed %" PRIu64 ", in %" PRIu64 " batches\n",
	       indent, "", st->faults_raised, st->faults_coalesced, st->faults,
	       st->faults_resolved, st->fault_errors, st->fault_batches);
	printf("%*shmm           %" PRIu64 " hmm_range_fault() calls, %" PRIu64
	       " -EBUSY, %" PRIu64 " retries after invalidation\n",
	       indent, "", st->hmm_calls, st->hmm_busy, st->hmm_retries);
	printf("%*smapped        %" PRIu64 " pages of 4 KiB, %" PRIu64
	       " huge leaves\n",
	       indent, "", st->pages_mapped, st->huge_mapped);
	printf("%*sTLB           %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
	       " shootdowns dropping %" PRIu64 " entries\n",
	       indent, "", st->tlb_hits, st->tlb_misses, st->tlb_shootdowns,
	       st->tlb_flushed);
	printf("%*swalker        %" PRIu64 " walks reading %" PRIu64
	       " directories; %" PRIu64 " access commands\n",
	       indent, "", st->walks, st->walk_levels, st->accesses);
	printf("%*sinvalidations", indent, "");
	for (e = 0, any = false; e < DEVMIR_INV_EVENTS; e++) {
		if (!st->invalidations[e])
			continue;
		printf(" %s %" PRIu64, cli_inv_names[e], st->invalidations[e]);
		any = true;
	}
	printf("%s; %" PRIu64 " pages dropped, %" PRIu64
	       " write-protected; %" PRIu64 " skipped, %" PRIu64 " refused\n",
	       any ? "" : " none", st->pages_invalidated, st->pages_protected,
	       st->inv_skipped, st->inv_retry);
	printf("%*smigration     %" PRIu64 " pages to device, %" PRIu64
	       " to system (%s copied), %" PRIu64 " failed; %" PRIu64
	       " CPU faults on device pages, %" PRIu64 " evictions\n",
	       indent, "", st->migrated_to_device, st->migrated_to_system,
	       cli_human_bytes(bytes, sizeof(bytes), st->migrate_bytes),
	       st->migrate_failed, st->ram_faults, st->evictions);
	printf("%*s              %" PRIu64 " by fault policy, %" PRIu64
	       " faults on peer pages; atomics: %" PRIu64 " exclusive, %" PRIu64
	       " fallbacks; device memory %" PRIu64 "/%" PRIu64 " pages used\n",
	       indent, "", st->policy_migrations, st->remote_faults,
	       st->exclusive_grants, st->exclusive_fallbacks, st->devmem_used,
	       st->devmem_pages);
	printf("%*stable        ", indent, "");
	if (levels > DEVMIR_MAX_LEVELS)
		levels = DEVMIR_MAX_LEVELS;
	for (l = levels; l-- > 0;)
		printf(" L%u %" PRIu64 "/%" PRIu64, l, st->table_dirs[l],
		       st->table_entries[l]);
	printf(" (directories/leaves), %s, %" PRIu64 " pruned, %" PRIu64
	       " splits, %" PRIu64 " mirror(s)\n",
	       cli_human_bytes(bytes, sizeof(bytes), st->table_bytes),
	       st->dirs_pruned, st->splits, st->mirrors);
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
