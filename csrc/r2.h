/*
 * MFC-R2 (and China No.1) on DAHDI E1 CAS channels through openr2 (r2.c), as drv_dahdi.c uses it.
 *
 * One r2_span_t per engine span: an openr2 context and one openr2 channel per line, on the driver's own
 * descriptors. Everything runs on the media thread (openr2 is driven from the driver's tick_begin and
 * from the lines' signalling messages, both there), so nothing here locks.
 */
#ifndef TELEPHONIST_R2_H
#define TELEPHONIST_R2_H

#include <stddef.h>

#include "engine_private.h"

typedef struct r2_span_s r2_span_t;

typedef struct {
    int fd;                     /* the line's DAHDI descriptor (the driver's; r2.c never closes it) */
    int chan;                   /* engine channel */
    int chanpos;                /* E1 timeslot, for the SETUP's channel= */
} r2_line_t;

/* variant: "china", "itu", or another of openr2's names (ar, br, mx, ...); max_ani / max_dnis: the digits
 * asked of a caller (1-80; DNIS collection stops there, or sooner when the caller has no more);
 * category: what our calls send unless their SETUP says ("subscriber", "priority", "test", ...);
 * timers: openr2's protocol timers, "name=ms,name=ms" by openr2's names (r2_answer, r2_seize, mf_back_cycle ...;
 * r2.c lists them), NULL or "" for openr2's defaults. NULL with err set on failure. */
r2_span_t *r2_span_new(engine_t *e, const r2_line_t *lines, int n, const char *variant, int max_ani, int max_dnis,
                       const char *category, const char *timers, char *err, size_t errlen);
/* Before the driver reads line i in a tick: openr2's timers and pending CAS events, and the line's audio
 * while register signalling needs it. 1: openr2 read the line's audio (the driver must not); 0: the
 * driver reads it, and hands a pending event (a read failing with ELAST) to r2_span_event. */
int r2_span_poll(r2_span_t *rs, int i);
void r2_span_event(r2_span_t *rs, int i);
/* A signalling message of the engine (eng_sigmsg) for line i. */
int r2_span_command(r2_span_t *rs, int i, const char *msg);
/* Whether openr2 flushed line i's transmit queue since the last call (the driver then writes its lead
 * of silence again before the next frame). */
int r2_span_take_flush(r2_span_t *rs, int i);
/* Whether a line saw an alarm come or go since the last call (the driver then checks the span's). */
int r2_span_take_alarm(r2_span_t *rs);
void r2_span_free(r2_span_t *rs);
int r2_available(void);

#endif
