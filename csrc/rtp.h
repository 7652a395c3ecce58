/*
 * RTP for one sip line (rtp.c): a UDP socket pair (RTP on an even port, RTCP on the next), G.711 A/µ-law,
 * an adaptive jitter buffer, RFC 4733 telephone events both ways, RTCP sender/receiver reports.
 *
 * Threads: rtp_new/rtp_free run where the span is made and freed (the engine not running). The SIP
 * thread says where to send and which payload types were agreed (rtp_start/rtp_stop); the media thread
 * does everything per packet (rtp_read/rtp_write/rtp_send_dtmf). A mutex guards only what both touch:
 * the agreed session and the figures (rtp_get_stats from any thread).
 */
#ifndef TELEPHONIST_RTP_H
#define TELEPHONIST_RTP_H

#include <netinet/in.h>

#include "engine_private.h"
#include "rtp_crypto.h"
#include "udptl.h"

typedef struct rtp_s rtp_t;

/* Binds host:port (RTP) and host:port+1 (RTCP); NULL and err says why. */
rtp_t *rtp_new(engine_t *e, chan_t *c, const char *host, int port, char *err, int errlen);
void rtp_free(rtp_t *r);
void rtp_set_chan(rtp_t *r, chan_t *c);          /* the channel it carries (before the engine runs) */
void rtp_set_bounds(rtp_t *r, int min_ms, int max_ms);   /* the jitter buffer's delay bounds */
void rtp_set_symmetric(rtp_t *r, int on);        /* symmetric RTP, latched (rtp.c's head says how) */
int rtp_port(const rtp_t *r);

/* The SIP thread: the far end's address, the payload types agreed (dtmf_pt -1: none) and the SRTP keys
 * (NULL or suite NONE: plain RTP; copied). With SRTP, a packet that fails its authentication is counted
 * (rx_refused) and dropped before anything else looks at it: it moves no symmetric-RTP address. */
void rtp_start(rtp_t *r, const struct sockaddr_in *remote, int pt, int dtmf_pt, const rtp_crypto_t *crypto);
void rtp_stop(rtp_t *r);
/* The SIP thread: the call switched to T.38 (m=image udptl): the line's media port carries UDPTL to remote
 * (redundancy: the far end takes t38UDPRedundancy; max_datagram: its T38FaxMaxDatagram) until rtp_start or
 * rtp_stop; no RTP, no RTCP meanwhile (audio reads are silence, audio writes go nowhere). */
void rtp_start_t38(rtp_t *r, const struct sockaddr_in *remote, int redundancy, int max_datagram);
/* The SIP thread: the far end put the call on hold (sendonly, inactive): send no RTP until resumed (RTCP goes on). */
void rtp_set_hold(rtp_t *r, int hold);

/* The media thread, each tick: takes the SIP thread's news; 1 while a session is on (the channel is busy). */
int rtp_tick(rtp_t *r);
/* The media thread. rtp_t38_on: the line's session is T.38, or the last one was and it stopped (the call
 * ended: the line's fax terminal stays a T.38 one and runs to its end, hearing nothing, rather than start T.30
 * again on silent audio); an audio session clears it. While it says so: the IFP packets that came (in
 * sequence, recovered ones included) into in (NULL: read and dropped), and those of out sent, each its count
 * times (nothing while no session is on). */
int rtp_t38_on(const rtp_t *r);
void rtp_t38_read(rtp_t *r, t38_batch_t *in);
void rtp_t38_write(rtp_t *r, const t38_batch_t *out);
/* The media thread: one frame of codec bytes heard (n samples, in the channel's codec); 0: silence. */
int rtp_read(rtp_t *r, uint8_t *buf, int n);
/* One frame to send; keeps RTCP going. */
int rtp_write(rtp_t *r, const uint8_t *buf, int n);
/* Digits sent as RFC 4733 events (EV_DTMF_SENT at the end, as in-band digits give). */
int rtp_send_dtmf(rtp_t *r, int id, const char *digits, int on_ms, int off_ms);

/* The SIP thread: a digit the far end sent by SIP INFO; the media thread tells it as an RFC 4733 one is told. */
void rtp_info_dtmf(rtp_t *r, char digit, int duration_ms);
void rtp_count_tx_dtmf(rtp_t *r);                /* a digit we sent by SIP INFO (the figures' tx_dtmf) */

void rtp_get_stats(rtp_t *r, eng_rtp_stats_t *out);

#endif
