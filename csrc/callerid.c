/* Caller ID send and receive: being written (placeholder so the engine links). */
#include "engine_private.h"
int cid_send(engine_t *e, chan_t *c, int id, int standard, int mdmf, const char *number,
             const char *name, const char *datetime)
{ (void) standard; (void) mdmf; (void) number; (void) name; (void) datetime;
  eng_emit(e, EV_CID_SENT, c->id, id, ENG_END_ERROR, 0, 0, 0, "caller ID not built yet"); return 0; }
int cid_rx_enable(engine_t *e, chan_t *c, int on) { (void) e; (void) c; (void) on; return 0; }
void cid_rx(engine_t *e, chan_t *c, const int16_t *amp, int n) { (void) e; (void) c; (void) amp; (void) n; }
void cid_tx(engine_t *e, chan_t *c, int16_t *tx, int *have_tx) { (void) e; (void) c; (void) tx; (void) have_tx; }
void cid_free(chan_t *c) { (void) c; }
