/*
 * UDPTL framing with redundancy (see udptl.h). Receiving follows T.38's rule for redundancy: a datagram whose
 * sequence number jumps ahead brings the packets in between among its secondaries (the newest first), and
 * those are handed on, in order, before its primary; what no datagram brought is left as a gap that spandsp's
 * T.38 core sees in the sequence numbers.
 */
#include <string.h>

#include "udptl.h"

/* ---- batches ------------------------------------------------------------------------------ */

void t38_batch_clear(t38_batch_t *b)
{
    b->n = b->used = 0;
}

int t38_batch_add(t38_batch_t *b, const uint8_t *ifp, int len, int seq, int count)
{
    if (!b || len <= 0 || b->n >= T38_BATCH_PKTS || b->used + len > T38_BATCH_BYTES)
        return -1;
    b->off[b->n] = (uint16_t) b->used;
    b->len[b->n] = (uint16_t) len;
    b->seq[b->n] = (uint16_t) seq;
    b->count[b->n] = (uint8_t) (count < 1 ? 1 : count > 255 ? 255 : count);
    memcpy(b->data + b->used, ifp, (size_t) len);
    b->used += len;
    b->n++;
    return 0;
}

/* ---- PER length determinants ------------------------------------------------------------------ */

static int put_len(uint8_t *out, int at, int cap, int len)
{
    if (len < 0x80) {
        if (at + 1 > cap)
            return -1;
        out[at] = (uint8_t) len;
        return at + 1;
    }
    if (len >= 0x4000 || at + 2 > cap)
        return -1;                  /* fragments (16K and over) are never needed for fax */
    out[at] = (uint8_t) (0x80 | (len >> 8));
    out[at + 1] = (uint8_t) len;
    return at + 2;
}

static int get_len(const uint8_t *p, int at, int end, int *len)
{
    if (at >= end)
        return -1;
    if (!(p[at] & 0x80)) {
        *len = p[at];
        return at + 1;
    }
    if ((p[at] & 0xC0) == 0xC0 || at + 2 > end)
        return -1;                  /* a fragment */
    *len = ((p[at] & 0x3F) << 8) | p[at + 1];
    return at + 2;
}

static int put_field(uint8_t *out, int at, int cap, const uint8_t *data, int len)
{
    if ((at = put_len(out, at, cap, len)) < 0 || at + len > cap)
        return -1;
    memcpy(out + at, data, (size_t) len);
    return at + len;
}

static int field_size(int len)
{
    return (len < 0x80 ? 1 : 2) + len;
}

/* ---- sending ---------------------------------------------------------------------------------- */

void udptl_reset(udptl_t *u, int depth, int max_datagram)
{
    memset(u, 0, sizeof(*u));
    u->depth = depth < 0 ? 0 : depth > UDPTL_DEPTH ? UDPTL_DEPTH : depth;
    u->max_datagram = max_datagram > 0 && max_datagram <= UDPTL_DATAGRAM_MAX ? max_datagram : UDPTL_DATAGRAM_MAX;
}

/* The k-th packet sent before the one being framed (0: the last one). */
static int history(const udptl_t *u, int k, const uint8_t **data)
{
    int i = (u->hist_at - 1 - k + 2 * UDPTL_DEPTH) % UDPTL_DEPTH;
    *data = u->hist[i];
    return u->hist_len[i];
}

int udptl_build(udptl_t *u, const uint8_t *ifp, int len, uint8_t *out, int cap)
{
    int k, at, size, i, room = cap;

    if (len <= 0 || len > UDPTL_IFP_MAX)
        return -1;
    if (cap > u->max_datagram)
        cap = u->max_datagram;
    /* as many secondaries as fit the far end's datagram */
    k = u->depth < u->hist_n ? u->depth : u->hist_n;
    for (; k > 0; k--) {
        size = 2 + field_size(len) + 1 + 1;
        for (i = 0; i < k; i++) {
            const uint8_t *d;
            size += field_size(history(u, i, &d));
        }
        if (size <= cap)
            break;
    }
    if (2 + field_size(len) + 2 > cap)
        cap = room;                         /* the primary goes even if the far end said smaller */
    out[0] = (uint8_t) (u->tx_seq >> 8);
    out[1] = (uint8_t) u->tx_seq;
    if ((at = put_field(out, 2, cap, ifp, len)) < 0 || at + 2 > cap)
        return -1;
    out[at++] = 0x00;                       /* secondary-ifp-packets */
    at = put_len(out, at, cap, k);
    for (i = 0; i < k && at > 0; i++) {
        const uint8_t *d;
        int dl = history(u, i, &d);
        at = put_field(out, at, cap, d, dl);
    }
    if (at < 0)
        return -1;
    memcpy(u->hist[u->hist_at], ifp, (size_t) len);
    u->hist_len[u->hist_at] = (uint16_t) len;
    u->hist_at = (u->hist_at + 1) % UDPTL_DEPTH;
    if (u->hist_n < UDPTL_DEPTH)
        u->hist_n++;
    u->tx_seq++;
    return at;
}

/* ---- receiving -------------------------------------------------------------------------------- */

int udptl_parse(udptl_t *u, const uint8_t *pkt, int len, t38_batch_t *sink)
{
    const uint8_t *sec[UDPTL_MAX_SECONDARIES];
    int sec_len[UDPTL_MAX_SECONDARIES];
    int at, plen, nsec = 0, count = 0, i, taken = 0;
    const uint8_t *primary;
    uint16_t seq, m;
    int16_t ahead;

    if (len < 4)
        goto bad;
    seq = (uint16_t) ((pkt[0] << 8) | pkt[1]);
    if ((at = get_len(pkt, 2, len, &plen)) < 0 || plen == 0 || at + plen > len)
        goto bad;
    primary = pkt + at;
    at += plen;
    if (at >= len)
        goto bad;
    if (pkt[at] & 0x80) {                   /* FEC: read past it (not used for recovery) */
        int n;
        if ((at = get_len(pkt, at + 1, len, &n)) < 0 || (at += n) > len || (at = get_len(pkt, at, len, &count)) < 0)
            goto bad;
        for (i = 0; i < count; i++) {
            if ((at = get_len(pkt, at, len, &n)) < 0 || (at += n) > len)
                goto bad;
        }
    } else {                                /* secondaries, the newest first */
        if ((at = get_len(pkt, at + 1, len, &count)) < 0)
            goto bad;
        for (i = 0; i < count; i++) {
            int sl;
            if ((at = get_len(pkt, at, len, &sl)) < 0 || at + sl > len)
                goto bad;
            if (nsec < UDPTL_MAX_SECONDARIES) {
                sec[nsec] = pkt + at;
                sec_len[nsec++] = sl;
            }
            at += sl;
        }
    }
    if (at != len)
        goto bad;                           /* not UDPTL (an RTP packet still in flight after the switch) */
    if (!u->rx_started) {
        u->rx_started = 1;
        u->rx_next = seq;
    }
    ahead = (int16_t) (seq - u->rx_next);
    if (ahead < 0)
        return 0;                           /* a repeat, or older than what was taken */
    for (m = u->rx_next; m != seq; m++) {
        int k = (uint16_t) (seq - 1 - m);   /* its place among the secondaries */
        if (k < nsec && sec_len[k] > 0) {
            u->recovered++;
            t38_batch_add(sink, sec[k], sec_len[k], m, 1);
            taken++;
        } else {
            u->lost++;
        }
    }
    t38_batch_add(sink, primary, plen, seq, 1);
    u->rx_next = (uint16_t) (seq + 1);
    return taken + 1;
bad:
    u->malformed++;
    return -1;
}
