#include "plan_store.h"

#include <stdio.h>
#include <string.h>

void plan_store_put(struct plan_store *s, const char *id, int steps)
{
	snprintf(s->slot[s->next].id, sizeof(s->slot[0].id), "%s", id);
	s->slot[s->next].steps = steps;
	s->next = (s->next + 1) % PLAN_STORE_SLOTS;
}

int plan_store_steps(const struct plan_store *s, const char *id)
{
	for (int i = 0; i < PLAN_STORE_SLOTS; i++)
		if (s->slot[i].id[0] && strcmp(s->slot[i].id, id) == 0)
			return s->slot[i].steps;
	return -1;
}
