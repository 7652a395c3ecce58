/*
 * DTMF reception to ITU-T Q.24 (dtmf_q24.c): spandsp's dtmf_rx, a second
 * detector of our own that spandsp's misses cannot escape, and a check of
 * every digit's frequencies and twist before it is reported.
 */
#ifndef TELEPHONIST_DTMF_Q24_H
#define TELEPHONIST_DTMF_Q24_H

#include <stdint.h>

typedef struct dtmf_q24_s dtmf_q24_t;

/* code: the digit ('0'-'9', '*', '#', 'A'-'D') when it starts, 0 when it ends
 * (every start is followed by its end before the next start);
 * level: dBm0 of the audio that started it, at the start and at the end. */
typedef void (*dtmf_q24_report_t)(void *user, int code, int level);

dtmf_q24_t *dtmf_q24_init(dtmf_q24_report_t report, void *user);
/* Linear 8 kHz samples, any count per call. Reports are made from inside. */
void dtmf_q24_rx(dtmf_q24_t *q, const int16_t *amp, int n);
void dtmf_q24_prefetch(const dtmf_q24_t *q);    /* the detectors' state, into the cache ahead of dtmf_q24_rx */
void dtmf_q24_free(dtmf_q24_t *q);

#endif
