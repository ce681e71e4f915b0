#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "otlp_file.h"
#include "otlp_json.h"

#define BATCH 512

int otlp_file_open(struct otlp_file *of, const char *path, const struct resource_table *rt,
		   char *err, size_t errlen)
{
	memset(of, 0, sizeof(*of));
	of->rt = rt;
	of->f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	if (!of->f) {
		snprintf(err, errlen, "--otlp-file %s: %s", path, strerror(errno));
		return -1;
	}
	of->batch = calloc(BATCH, sizeof(*of->batch));
	of->cap = BATCH;
	return of->batch ? 0 : -1;
}

static void write_line(struct otlp_file *of, char *line)
{
	if (!line || fputs(line, of->f) < 0 || fputc('\n', of->f) < 0)
		of->errors++;
	else
		of->lines++;
	free(line);
}

void otlp_file_flush_spans(struct otlp_file *of)
{
	if (!of->f || !of->n)
		return;
	write_line(of, otlp_json_traces(of->batch, of->n, of->rt));
	for (size_t i = 0; i < of->n; i++)
		span_unref(of->batch[i]);
	of->n = 0;
	fflush(of->f);
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
	write_line(of, otlp_json_metrics(ms, of->rt, o));
	fflush(of->f);
}

void otlp_file_close(struct otlp_file *of)
{
	otlp_file_flush_spans(of);
	if (of->f && of->f != stdout)
		fclose(of->f);
	free(of->batch);
	memset(of, 0, sizeof(*of));
}
