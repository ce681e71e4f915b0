/* --list-ops=markdown (view/catalog_doc.c): every operation, metric and
 * health metric of the tables is in the document, each operation's table
 * has one row per metric action, every table row has its header's number
 * of cells, and a write error is reported. Also data_dir.c's search
 * order, which --version prints. */
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "data_dir.h"
#include "install_paths.h"
#include "aggregate/health.h"
#include "view/catalog_doc.h"
#include "unit_test.h"

static char *render(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK_EQ_INT(catalog_doc_markdown(f), 0);
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The text from `start` up to the next "\n#" heading. */
static char *section(const char *doc, const char *start)
{
	const char *s = strstr(doc, start), *e;

	if (!s)
		return strdup("");
	e = strstr(s + strlen(start), "\n#");
	return strndup(s, e ? (size_t)(e - s) : strlen(s));
}

static void test_every_op(const char *doc)
{
	for (int i = 0; i < catalog_nops; i++) {
		const struct op_def *op = &catalog_ops[i];
		char head[128], link[256];
		int actions = 0;

		snprintf(head, sizeof(head), "\n### %s\n", op->name);
		snprintf(link, sizeof(link), "\n| [%s](#%s) | ", op->name, op->name);
		CHECK_EQ_INT(count(doc, head), 1);
		CHECK_EQ_INT(count(doc, link), 1);
		while (actions < OP_MAX_ACTIONS && op->actions[actions].when)
			actions++;
		char *sec = section(doc, head + 1);
		/* rows: "| `metric` |", header and separator excluded */
		int rows = count(sec, "\n| `");

		if (rows != actions)
			UNIT_FAIL("%s: %d metric rows, %d actions", op->name, rows, actions);
		else
			UNIT_PASS();
		if (!op->point)
			CHECK(strstr(sec, op->span_name) != NULL);
		free(sec);
	}
}

static void test_every_metric(const char *doc)
{
	char *metrics = section(doc, "## Metrics\n"), *health = section(doc, "## The tracer's own metrics\n");
	char row[160];

	for (int m = 0; m < catalog_nmetrics; m++) {
		snprintf(row, sizeof(row), "| `%s` | ", catalog_metrics[m].name);
		CHECK_EQ_INT(count(metrics, row), 1);
	}
	for (int h = 0; h < HM_COUNT; h++) {
		snprintf(row, sizeof(row), "| `%s` | ", health_metrics[h].name);
		CHECK_EQ_INT(count(health, row), 1);
	}
	/* a health metric added without its attribute line in catalog_doc.c */
	if (strstr(health, "undocumented"))
		UNIT_FAIL("a health metric has no line in health_attrs (user/view/catalog_doc.c):\n%s", health);
	else
		UNIT_PASS();
	for (int i = 0; i < MCP_STAT_MAX; i++)
		if (health_bpf_stats[i].reason)
			CHECK(strstr(health, health_bpf_stats[i].reason) != NULL);
	free(metrics);
	free(health);
}

/* A value with a "|" in it would shift every cell after it. */
static void test_table_shape(const char *doc)
{
	int header_cells = -1, bad = 0;
	const char *line = doc;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len && line[0] == '|') {
			int cells = 0;

			for (size_t i = 0; i < len; i++)
				cells += line[i] == '|';
			if (header_cells < 0)
				header_cells = cells;
			else if (cells != header_cells && bad++ < 3)
				UNIT_FAIL("row with %d bars, header has %d: %.*s", cells, header_cells, (int)len, line);
		} else {
			header_cells = -1; /* a new table starts after a non-row line */
		}
		line = nl ? nl + 1 : NULL;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(strstr(doc, "(null)") == NULL);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		UNIT_FAIL("/dev/full: cannot open");
		return;
	}
	CHECK_EQ_INT(catalog_doc_markdown(f), 1);
	fclose(f);
}

static void test_data_dir_order(void)
{
	char cand[3][4096], buf[4096];
	int n = data_dir_candidates(cand, 3);

	CHECK_EQ_INT(n, 3);
	/* beside the executable first (installed, then a build directory) ... */
	CHECK(strstr(cand[0], "/../share/mcp-bpftrace") != NULL);
	CHECK(strstr(cand[1], "/../data") != NULL);
	/* ... the PREFIX it was built for last */
	CHECK_STR_EQ(cand[2], MCP_DATADIR);
	CHECK_EQ_INT(data_dir_candidates(cand, 1), 1);
	/* whatever it finds is a directory that exists */
	if (data_dir(buf, sizeof(buf)))
		CHECK(buf[0] == '/');
	else
		UNIT_PASS();
}

int main(void)
{
	char *doc = render();

	CHECK(doc && strncmp(doc, "# ", 2) == 0);
	test_every_op(doc);
	test_every_metric(doc);
	test_table_shape(doc);
	test_write_error();
	test_data_dir_order();
	free(doc);
	UNIT_DONE();
}
