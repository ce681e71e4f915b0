/* --top=text: the live view's table as plain text, for logs and CI. Each
 * print is a timestamp header line, the tracer's state, the column titles,
 * one line per operation and a total line, then a blank line. */
#ifndef TOP_TEXT_H
#define TOP_TEXT_H

#include <stdio.h>
#include "view_model.h"
#include "view_table.h"

void top_text_print(FILE *f, const struct vm_snapshot *snap, const struct view_status *st,
		    enum vm_col sort, bool desc);

#endif
