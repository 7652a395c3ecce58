/* Fax over a voice channel: being written (placeholder so the engine links). */
#include <stdio.h>
#include "engine_private.h"
fax_session_t *fax_session_new(engine_t *e, int id, int send, const char *path, int calling,
                               int ecm, const char *ident, const char *header, char *err, int errlen)
{ (void) e; (void) id; (void) send; (void) path; (void) calling; (void) ecm; (void) ident; (void) header;
  snprintf(err, (size_t) errlen, "fax not built yet"); return NULL; }
void fax_session_rx(engine_t *e, chan_t *c, const int16_t *amp, int n) { (void) e; (void) c; (void) amp; (void) n; }
void fax_session_tx(engine_t *e, chan_t *c, int16_t *tx, int n) { (void) e; (void) c; (void) tx; (void) n; }
void fax_session_stop(engine_t *e, chan_t *c, const char *why) { (void) e; (void) c; (void) why; }
void fax_session_free(fax_session_t *f) { (void) f; }
