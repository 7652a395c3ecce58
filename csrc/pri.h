/*
 * ISDN PRI on a DAHDI E1 span through libpri (pri.c), as drv_dahdi.c uses it.
 *
 * One pri_span_t per span: the D-channel's descriptor and its libpri instance, owned by a thread of
 * its own (libpri is not thread-safe per instance); the media thread only queues the engine's
 * signalling messages to it and reads whether the D-channel is up.
 */
#ifndef TELEPHONIST_PRI_H
#define TELEPHONIST_PRI_H

#include <stddef.h>

#include "engine_private.h"

typedef struct pri_span_s pri_span_t;

/* dchan: the DAHDI channel of the D-channel (dchan= in system.conf); chan_of_ts[ts] the engine channel
 * of B-channel timeslot ts (1..nts-1), -1 where none. side: "network" | "user"; switchtype: "euroisdn",
 * "qsig", "ni2", "dms100", "lucent5e", "att4ess". options: "" or space-separated "overlap=0|1" (overlap
 * receiving offered to the line, overlap sending allowed) and "channel=exclusive|preferred" (how our SETUPs name
 * their B-channel). NULL with err set on failure. */
pri_span_t *pri_span_new(engine_t *e, int dchan, const char *side, const char *switchtype, const char *options,
                         const int *chan_of_ts, int nts, char *err, size_t errlen);
/* The same on a descriptor that carries whole Q.921 frames, one per read or write (an end of a SOCK_SEQPACKET
 * socketpair: the sim's D-channel between two spans of libpri); the span owns fd from then on, even on failure. */
pri_span_t *pri_span_new_fd(engine_t *e, int fd, const char *side, const char *switchtype, const char *options,
                            const int *chan_of_ts, int nts, char *err, size_t errlen);
/* A signalling message of the engine (eng_sigmsg) for the call on timeslot ts: queued to the span's thread. */
int pri_span_command(pri_span_t *ps, int ts, const char *msg);
/* ENG_ALARM_DCHAN while the D-channel is down, else 0. */
int pri_span_alarm_bits(pri_span_t *ps);
/* Whether the D-channel went up or down since the last call (the media thread then tells the alarm). */
int pri_span_take_change(pri_span_t *ps);
void pri_span_free(pri_span_t *ps);
int pri_available(void);

#endif
