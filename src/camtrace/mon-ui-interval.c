/* mon-ui-interval.c: the screen's i key changes the monitor's probe and poll interval at run time (the sources keep it in their options; probe-live takes it for its next rounds). */
#include "config.h"
#include "probe-live.h"
#include "mon-src-int.h"
#include "mon-ui.h"

double mon_src_set_interval(struct mon_src *s, double seconds)
{
	if (seconds < 0.1)
		seconds = 0.1;
	s->o.interval_s = seconds;
	if (s->lv)
		ct_live_set_interval(s->lv, (uint64_t)(seconds * 1000));
	return s->o.interval_s; /* the users poll of an older daemon takes it at its next round */
}

double mon_src_interval(const struct mon_src *s)
{
	return s->o.interval_s;
}
