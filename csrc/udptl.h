/*
 * UDPTL (ITU-T T.38 clause 9.1): the framing that carries T.38's IFP packets over UDP, with redundancy
 * (each datagram repeats the last few IFP packets, so one lost datagram loses nothing), and the batches in
 * which IFP packets travel between a sip line and its fax terminal.
 *
 * A datagram, in ASN.1 PER (aligned) as T.38 gives it:
 *   seq-number        2 bytes, big endian
 *   primary-ifp       length determinant (1 byte below 128, else 2: 0x80 | high, low) and the IFP bytes
 *   error-recovery    1 byte: 0x00 secondary IFP packets follow, 0x80 FEC (we send the first only)
 *   secondaries       a count (length determinant), then each as the primary: the packets seq-1, seq-2 ...
 *
 * Pure functions on a small state: no sockets, no allocation (rtp.c sends and receives the datagrams on the
 * line's media port, on the media thread).
 */
#ifndef TELEPHONIST_UDPTL_H
#define TELEPHONIST_UDPTL_H

#include <stdint.h>

#define UDPTL_IFP_MAX 512           /* the longest IFP packet we keep for redundancy (spandsp's are < 300) */
#define UDPTL_DEPTH 3               /* earlier packets repeated in each datagram */
#define UDPTL_MAX_SECONDARIES 16    /* read from a datagram at most (the rest are ignored) */
#define UDPTL_DATAGRAM_MAX 1400

typedef struct {
    /* sending */
    uint16_t tx_seq;
    int depth;                      /* redundancy entries to send (0: none, the far end takes no redundancy) */
    int max_datagram;               /* the far end's T38FaxMaxDatagram: secondaries are left out to fit */
    int hist_n, hist_at;
    uint16_t hist_len[UDPTL_DEPTH];
    uint8_t hist[UDPTL_DEPTH][UDPTL_IFP_MAX];
    /* receiving */
    int rx_started;
    uint16_t rx_next;               /* the sequence number expected next */
    int64_t recovered;              /* packets we never received, rebuilt from a later datagram's secondaries */
    int64_t lost;                   /* packets missing from every datagram that came */
    int64_t malformed;
} udptl_t;

/* IFP packets of one 20 ms frame, in the order they came or are to go. */
#define T38_BATCH_PKTS 24
#define T38_BATCH_BYTES 3072
typedef struct {
    int n, used;
    uint16_t len[T38_BATCH_PKTS];
    uint16_t seq[T38_BATCH_PKTS];   /* received: the UDPTL sequence number */
    uint8_t count[T38_BATCH_PKTS];  /* to send: how many times (spandsp's repeat count for the packet's kind) */
    uint16_t off[T38_BATCH_PKTS];
    uint8_t data[T38_BATCH_BYTES];
} t38_batch_t;

void t38_batch_clear(t38_batch_t *b);
int t38_batch_add(t38_batch_t *b, const uint8_t *ifp, int len, int seq, int count);  /* -1: no room */

void udptl_reset(udptl_t *u, int depth, int max_datagram);
/* One IFP packet framed with the next sequence number and what redundancy fits: the datagram's length, -1 if
 * the packet is empty or longer than UDPTL_IFP_MAX. */
int udptl_build(udptl_t *u, const uint8_t *ifp, int len, uint8_t *out, int cap);
/* One datagram received: its IFP packets in sequence order, those it recovers first, each to sink (a batch
 * may be NULL: counted, dropped). Duplicates and packets older than one already taken are skipped. Returns
 * the packets taken, -1 for a datagram that is not UDPTL (counted in malformed). */
int udptl_parse(udptl_t *u, const uint8_t *pkt, int len, t38_batch_t *sink);

#endif
