/* Plain-text live table (top_text.h). */
#include <time.h>
#include <string.h>
#include "top_text.h"

void top_text_print(FILE *f, const struct vm_snapshot *snap, const struct view_status *st,
		    enum vm_col sort, bool desc)
{
	struct vm_row rows[VM_MAX_OPS];
	char cells[VC_NCOLS][VT_CELL], line[512], up[32], ts[64], ex[EXP_COUNT][200];
	struct vt_layout l;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z", &tm);
	for (int i = 0; i < EXP_COUNT; i++)
		vt_export(&st->exp[i], i, ex[i], sizeof(ex[i]));
	fprintf(f, "=== %s mcp-bpftrace %s up %s%s%s\n", ts, st->targets,
		vt_uptime((double)(snap->now_ns - st->start_ns) / 1e9, up, sizeof(up)),
		st->finished ? " FINISHED: " : "", st->finished ? st->finish_msg : "");
	fprintf(f, "records %.1f/s total %llu dropped %llu lost %llu attach-errors %d | %s | %s | %s\n",
		st->records_s, (unsigned long long)st->records, (unsigned long long)st->dropped,
		(unsigned long long)st->lost, st->attach_errors, ex[0], ex[1], ex[2]);
	fprintf(f, "cost %s%s%s\n", vt_cost(&st->cost, line, sizeof(line)), st->cost.ndetached ? " | detached: " : "",
		st->cost.ndetached ? st->cost.detached : "");
	int want = 0;

	for (int i = 0; i < snap->nrows; i++)
		if (vt_width(snap->rows[i].name) > want)
			want = vt_width(snap->rows[i].name);
	vt_layout(&l, 0, want);
	vt_title(line, sizeof(line), &l, sort, desc, false);
	fprintf(f, "%s\n", line);
	memcpy(rows, snap->rows, (size_t)snap->nrows * sizeof(rows[0]));
	vm_sort_rows(rows, snap->nrows, sort, desc);
	for (int i = 0; i < snap->nrows; i++) {
		vt_cells(&rows[i], false, cells);
		vt_line(line, sizeof(line), &l, cells);
		fprintf(f, "%s\n", line);
	}
	vt_cells(&snap->total, false, cells);
	vt_line(line, sizeof(line), &l, cells);
	fprintf(f, "%s\n\n", line);
	fflush(f);
}
