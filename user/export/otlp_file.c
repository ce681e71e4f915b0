/* --otlp-file (otlp_file.h). */
#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include "export_status.h"
#include "otlp_file.h"
#include "otlp_json.h"

#define BATCH 512

int otlp_file_open(struct otlp_file *of, const char *path, const struct resource_table *rt,
		   char *err, size_t errlen)
{
	memset(of, 0, sizeof(*of));
	of->rt = rt;
	of->path = path;
	of->f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	if (!of->f) {
		snprintf(err, errlen, "--otlp-file %s: %s", path, strerror(errno));
		return -1;
	}
	of->batch = calloc(BATCH, sizeof(*of->batch));
	of->cap = BATCH;
	if (!of->batch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	export_status_configure(EXP_OTLP_FILE, strcmp(path, "-") ? path : "stdout");
	export_status_signals(EXP_OTLP_FILE, true, true);
	return 0;
}

/* One line, flushed: a write error belongs to the line that caused it. */
static void write_line(struct otlp_file *of, char *line, enum export_signal sig, size_t nspans)
{
	int e = 0;

	if (!line)
		e = ENOMEM;
	else if (fputs(line, of->f) < 0 || fputc('\n', of->f) < 0 || fflush(of->f) || ferror(of->f))
		e = errno ? errno : EIO;
	free(line);
	if (!e) {
		of->lines++;
		export_status_ok(EXP_OTLP_FILE);
		return;
	}
	/* Whatever stdio still holds of the failed line goes: the next line
	 * must not start with half of this one. */
	__fpurge(of->f);
	clearerr(of->f);
	if (!of->errors++)
		fprintf(stderr, "mcp-bpftrace: --otlp-file %s: cannot write: %s; the file is incomplete "
			"(further errors are counted, not reported; the exit status will be 1)\n",
			of->path, strerror(e));
	export_status_error(EXP_OTLP_FILE, "%s", strerror(e));
	export_status_failed(EXP_OTLP_FILE, sig);
	export_status_dropped(EXP_OTLP_FILE, nspans);
}

void otlp_file_flush_spans(struct otlp_file *of)
{
	size_t n = of->n;

	if (!of->f || !n)
		return;
	errno = 0;
	write_line(of, otlp_json_traces(of->batch, n, of->rt), EXP_TRACES, n);
	for (size_t i = 0; i < n; i++)
		span_unref(of->batch[i]);
	of->n = 0;
}

void otlp_file_span(void *ctx, struct span *s)
{
	struct otlp_file *of = ctx;

	span_ref(s);
	of->batch[of->n++] = s;
	if (of->n == of->cap)
		otlp_file_flush_spans(of);
}

void otlp_file_metrics(struct otlp_file *of, struct metric_store *ms, const struct export_opts *o)
{
	if (!of->f)
		return;
	otlp_file_flush_spans(of);
	errno = 0;
	write_line(of, otlp_json_metrics(ms, of->rt, o), EXP_METRICS, 0);
}

void otlp_file_close(struct otlp_file *of)
{
	otlp_file_flush_spans(of);
	if (of->f && of->f != stdout)
		fclose(of->f);
	free(of->batch);
	memset(of, 0, sizeof(*of));
}
