/* Call progress tone detection: being written (placeholder so the engine links). */
#include "engine_private.h"
int zone_commit(engine_t *e, int zone) { e->zones[zone].committed = 1; return 0; }
int progress_enable(engine_t *e, chan_t *c, int on) { (void) e; (void) c; (void) on; return 0; }
void progress_rx(engine_t *e, chan_t *c, const int16_t *amp, int n) { (void) e; (void) c; (void) amp; (void) n; }
void progress_free(chan_t *c) { (void) c; }
