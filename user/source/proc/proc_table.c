/* The process source's table of traced processes (proc_table.h). */
#include <stdlib.h>
#include <string.h>
#include "proc_table.h"

void proc_table_init(struct proc_table *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

static struct proc_entry **slot(struct proc_table *t, pid_t pid)
{
	struct proc_entry **p = &t->b[(uint32_t)pid % PROC_BUCKETS];

	while (*p && (*p)->pid != pid)
		p = &(*p)->next;
	return p;
}

struct proc_entry *proc_table_get(struct proc_table *t, pid_t pid, bool create)
{
	struct proc_entry **p = slot(t, pid);

	if (*p || !create)
		return *p;
	if (t->n >= t->max || !(*p = calloc(1, sizeof(**p)))) {
		t->refused++;
		return NULL;
	}
	(*p)->pid = pid;
	t->n++;
	return *p;
}

void proc_table_remove(struct proc_table *t, pid_t pid)
{
	struct proc_entry **p = slot(t, pid), *e = *p;

	if (!e)
		return;
	*p = e->next;
	free(e);
	t->n--;
}

void proc_table_free(struct proc_table *t)
{
	for (int i = 0; i < PROC_BUCKETS; i++)
		while (t->b[i]) {
			struct proc_entry *e = t->b[i];

			t->b[i] = e->next;
			free(e);
		}
	t->n = 0;
}
