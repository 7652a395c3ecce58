/*
 * RTP and RTCP for one sip line, run by the media thread (see rtp.h for who calls what).
 *
 * The jitter buffer is a ring of payload bytes indexed by RTP timestamp, so packets of any size and
 * order land where they belong; the media thread plays it out a frame a tick, `target` samples behind
 * the newest timestamp heard. The target follows the interarrival jitter (RFC 3550's estimator): three
 * times it plus a frame, within the span's bounds. A packet that comes after its time makes the buffer
 * hold one frame (the delay grows); a buffer that stays two frames above its target for half a second
 * drops one (the delay shrinks). A marker bit, a new SSRC or a jump of the timestamp starts it anew.
 *
 * Symmetric RTP (rtp_set_symmetric, the span's symmetric_rtp): a far end behind NAT gives a private address
 * in its SDP and sends from its public one, so we send to where its packets come from. The address is latched
 * once LATCH_PACKETS valid packets in a row (the agreed payload types; with SRTP (rtp_crypto.c), authenticated)
 * came from it; until then we send to the SDP's address and hear any source; after it, packets from any other
 * address are dropped and counted (rx_foreign), so a stranger cannot take the stream over (RTP bleed). A new
 * session (a re-INVITE, T.38) learns again. Without it we send to the SDP's address only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtp.h"

#define JB_SIZE 8192                /* samples (~1 s at 8 kHz), a power of two */
#define JB_MASK (JB_SIZE - 1)
#define RTCP_INTERVAL_SAMPLES 40000 /* 5 s */
#define PT_PCMU 0
#define PT_PCMA 8
#define LATCH_PACKETS 3            /* valid packets in a row from one address latch it (symmetric RTP) */

static const char DTMF_CHARS[] = "0123456789*#ABCD";

struct rtp_s {
    engine_t *e;
    chan_t *c;
    int fd, rfd, port;
    pthread_mutex_t lock;

    /* the session the SIP thread agreed (lock) */
    int gen, started;
    int t38, t38_redundancy, t38_max_datagram;   /* the session is T.38 over UDPTL */
    int held;                       /* the far end holds the call: send no RTP (atomic; the SIP thread sets it) */
    int symmetric;                  /* symmetric RTP (set before the engine runs) */
    struct sockaddr_in remote;
    int pt, dtmf_pt;
    rtp_crypto_t crypto;            /* the session's keys (wiped when it stops) */
    char info_q[16];                /* digits the far end sent by SIP INFO, for the media thread */
    uint8_t info_ms[16];            /* ... and their durations (10 ms units) */
    int info_len;

    /* the media thread's copy */
    int seen_gen, on;
    int mt38;                       /* this session carries UDPTL, not RTP */
    udptl_t udptl;
    struct sockaddr_in to, to_rtcp;
    struct sockaddr_in cand;        /* symmetric RTP: where the last valid packets came from ... */
    int cand_n, latched;            /* ... how many in a row; 1: r->to is latched there */
    int mpt, mdtmf;
    srtp_pair_t srtp;               /* libsrtp2's contexts of the session (none: plain RTP) ... */
    rtp_crypto_t srtp_keys;         /* ... made with these keys */

    /* sending */
    uint32_t ssrc, ts;
    uint16_t seq;
    int rtcp_due;
    char dq[64];                    /* digits waiting to be sent */
    int dq_len, dq_pos, d_id, d_on, d_off, d_phase, d_elapsed;
    uint32_t d_ts;

    /* receiving */
    int have_rx;
    uint32_t rx_ssrc, cycles, base_seq;
    uint16_t max_seq;
    int64_t received, expected_prior, received_prior;
    double jitter;                  /* samples */
    int64_t last_transit;
    int transit_valid;
    uint32_t ev_ts;                 /* RFC 4733: the event being received */
    int ev_seen, ev_ended;

    /* jitter buffer */
    uint8_t jb[JB_SIZE], jv[JB_SIZE];
    int jb_on, hold, over_ticks, target, min_target, max_target;
    uint32_t play_ts, newest_end;

    /* RTCP heard */
    uint32_t lsr;
    int64_t lsr_at_ns;

    eng_rtp_stats_t st;             /* figures (lock) */
};

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static void ntp_now(uint32_t *sec, uint32_t *frac)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    *sec = (uint32_t) ((uint64_t) t.tv_sec + 2208988800u);
    *frac = (uint32_t) (((uint64_t) t.tv_nsec << 32) / 1000000000u);
}

static int bind_udp(const char *host, int port, char *err, int errlen)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, (size_t) errlen, "rtp: socket: %s", strerror(errno));
        return -1;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        snprintf(err, (size_t) errlen, "rtp: '%s' is not an IPv4 address", host);
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0) {
        snprintf(err, (size_t) errlen, "rtp: bind %s:%d: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

rtp_t *rtp_new(engine_t *e, chan_t *c, const char *host, int port, char *err, int errlen)
{
    rtp_t *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, (size_t) errlen, "rtp: out of memory");
        return NULL;
    }
    r->e = e;
    r->c = c;
    r->port = port;
    if ((r->fd = bind_udp(host, port, err, errlen)) < 0) {
        free(r);
        return NULL;
    }
    if ((r->rfd = bind_udp(host, port + 1, err, errlen)) < 0) {
        close(r->fd);
        free(r);
        return NULL;
    }
    eng_mutex_init(&r->lock);
    r->ssrc = (uint32_t) random() ^ (uint32_t) mono_ns() ^ (uint32_t) port;
    r->seq = (uint16_t) random();
    r->ts = (uint32_t) random();
    r->min_target = 160;
    r->max_target = 1600;
    r->st.local_port = port;
    r->st.rtt_ms = r->st.remote_jitter_ms = r->st.remote_loss_pct = -1;
    return r;
}

void rtp_free(rtp_t *r)
{
    if (!r)
        return;
    close(r->fd);
    close(r->rfd);
    srtp_pair_close(&r->srtp);
    rtp_crypto_wipe(&r->crypto);
    rtp_crypto_wipe(&r->srtp_keys);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void rtp_set_chan(rtp_t *r, chan_t *c)
{
    r->c = c;
}

int rtp_port(const rtp_t *r)
{
    return r->port;
}

void rtp_set_symmetric(rtp_t *r, int on)
{
    r->symmetric = on;
}

void rtp_set_bounds(rtp_t *r, int min_ms, int max_ms)
{
    r->min_target = min_ms * 8;
    r->max_target = max_ms * 8;
}

void rtp_start(rtp_t *r, const struct sockaddr_in *remote, int pt, int dtmf_pt, const rtp_crypto_t *crypto)
{
    pthread_mutex_lock(&r->lock);
    r->t38 = 0;
    r->remote = *remote;
    r->pt = pt;
    r->dtmf_pt = dtmf_pt;
    if (crypto)
        r->crypto = *crypto;
    else
        rtp_crypto_wipe(&r->crypto);
    r->started = 1;
    r->gen++;
    memset(&r->st, 0, sizeof(r->st));
    r->st.local_port = r->port;
    r->st.remote_port = ntohs(remote->sin_port);
    inet_ntop(AF_INET, &remote->sin_addr, r->st.remote_addr, sizeof(r->st.remote_addr));
    r->st.payload_type = pt;
    r->st.srtp = r->crypto.suite;
    r->st.rtt_ms = r->st.remote_jitter_ms = r->st.remote_loss_pct = -1;
    pthread_mutex_unlock(&r->lock);
}

void rtp_start_t38(rtp_t *r, const struct sockaddr_in *remote, int redundancy, int max_datagram)
{
    pthread_mutex_lock(&r->lock);
    r->t38 = 1;
    r->t38_redundancy = redundancy;
    r->t38_max_datagram = max_datagram;
    r->remote = *remote;
    rtp_crypto_wipe(&r->crypto);        /* UDPTL is never SRTP */
    r->started = 1;
    r->gen++;
    memset(&r->st, 0, sizeof(r->st));
    r->st.local_port = r->port;
    r->st.remote_port = ntohs(remote->sin_port);
    inet_ntop(AF_INET, &remote->sin_addr, r->st.remote_addr, sizeof(r->st.remote_addr));
    r->st.payload_type = -1;
    r->st.t38 = 1;
    r->st.rtt_ms = r->st.remote_jitter_ms = r->st.remote_loss_pct = -1;
    pthread_mutex_unlock(&r->lock);
}

void rtp_info_dtmf(rtp_t *r, char digit, int duration_ms)
{
    pthread_mutex_lock(&r->lock);
    if (r->info_len < (int) sizeof(r->info_q)) {
        r->info_q[r->info_len] = digit;
        r->info_ms[r->info_len++] = (uint8_t) (duration_ms / 10 > 255 ? 255 : duration_ms / 10);
    }
    pthread_mutex_unlock(&r->lock);
}

void rtp_count_tx_dtmf(rtp_t *r)
{
    pthread_mutex_lock(&r->lock);
    r->st.tx_dtmf++;
    pthread_mutex_unlock(&r->lock);
}

void rtp_set_hold(rtp_t *r, int hold)
{
    __atomic_store_n(&r->held, hold, __ATOMIC_RELAXED);
}

void rtp_stop(rtp_t *r)
{
    __atomic_store_n(&r->held, 0, __ATOMIC_RELAXED);
    pthread_mutex_lock(&r->lock);
    r->started = 0;
    r->gen++;
    rtp_crypto_wipe(&r->crypto);
    r->info_len = 0;
    pthread_mutex_unlock(&r->lock);
}

void rtp_get_stats(rtp_t *r, eng_rtp_stats_t *out)
{
    pthread_mutex_lock(&r->lock);
    *out = r->st;
    pthread_mutex_unlock(&r->lock);
}

/* The media thread takes a new session from the SIP thread: everything per session starts again. */
static void sync_session(rtp_t *r)
{
    int gen, changed = 0;
    rtp_crypto_t keys;
    pthread_mutex_lock(&r->lock);
    gen = r->gen;
    if (gen != r->seen_gen) {
        changed = 1;
        keys = r->crypto;
        r->seen_gen = gen;
        r->on = r->started;
        r->to = r->remote;
        r->to_rtcp = r->remote;
        r->to_rtcp.sin_port = htons((uint16_t) (ntohs(r->remote.sin_port) + 1));
        r->cand_n = r->latched = 0;
        r->st.latched = 0;
        r->mpt = r->pt;
        r->mdtmf = r->dtmf_pt;
        if (r->started)             /* a stop keeps it: a fax terminal on T.38 goes on to its end */
            r->mt38 = r->t38;
        if (r->started && r->mt38)
            udptl_reset(&r->udptl, r->t38_redundancy ? UDPTL_DEPTH : 0, r->t38_max_datagram);
        r->have_rx = r->jb_on = r->transit_valid = r->ev_seen = 0;
        r->jitter = 0;
        r->received = r->expected_prior = r->received_prior = 0;
        r->lsr = 0;
        r->rtcp_due = RTCP_INTERVAL_SAMPLES / 2;
        r->target = r->min_target;
        if (r->d_phase && r->d_id)
            eng_emit(r->e, EV_DTMF_SENT, r->c->id, r->d_id > 0 ? r->d_id : 0, ENG_END_STOPPED, 0, 0, 0, NULL);
        r->d_phase = 0;
        r->dq_len = r->dq_pos = 0;
        r->d_id = 0;
    }
    pthread_mutex_unlock(&r->lock);
    if (!changed)
        return;
    /* the session's SRTP contexts (made here, once per session: nothing is allocated per packet); a session
     * with the same keys (a re-INVITE moving the media) keeps them, and with them the rollover counters */
    if (r->on && keys.suite != RTP_SRTP_NONE && r->srtp.tx && memcmp(&keys, &r->srtp_keys, sizeof(keys)) == 0) {
        rtp_crypto_wipe(&keys);
        return;
    }
    srtp_pair_close(&r->srtp);
    rtp_crypto_wipe(&r->srtp_keys);
    if (r->on && srtp_pair_open(&r->srtp, &keys) < 0) {
        r->on = 0;
        eng_emit(r->e, EV_ERROR, r->c->id, 0, ENG_ESYS, 0, 0, 0, "rtp: cannot make the SRTP contexts");
    } else if (r->on) {
        r->srtp_keys = keys;
    }
    rtp_crypto_wipe(&keys);
}

static uint8_t silence_of(int pt)
{
    return pt == PT_PCMU ? 0xFF : 0xD5;
}

static int codec_of(int pt)
{
    return pt == PT_PCMU ? ENG_CODEC_ULAW : ENG_CODEC_ALAW;
}

int rtp_tick(rtp_t *r)
{
    sync_session(r);
    return r->on;
}

/* ---- receiving ----------------------------------------------------------------------------- */

static void jb_resync(rtp_t *r, uint32_t ts)
{
    memset(r->jv, 0, sizeof(r->jv));
    r->play_ts = ts - (uint32_t) r->target;
    r->newest_end = ts;
    r->jb_on = 1;
    r->over_ticks = 0;
}

static void rx_seq(rtp_t *r, uint16_t seq, uint32_t ssrc)
{
    if (!r->have_rx || ssrc != r->rx_ssrc) {
        r->have_rx = 1;
        r->rx_ssrc = ssrc;
        r->base_seq = r->max_seq = seq;
        r->cycles = 0;
        r->received = r->expected_prior = r->received_prior = 0;
        r->transit_valid = 0;
    } else {
        uint16_t delta = (uint16_t) (seq - r->max_seq);
        if (delta < 3000) {
            if (seq < r->max_seq)
                r->cycles += 65536;
            r->max_seq = seq;
        } else if (delta <= 65536 - 100) {
            /* a jump: the sender started again */
            r->base_seq = r->max_seq = seq;
            r->cycles = 0;
            r->received = r->expected_prior = r->received_prior = 0;
        }
    }
    r->received++;
}

static void rx_jitter(rtp_t *r, uint32_t ts)
{
    int64_t arrival = mono_ns() / 125000;   /* in samples */
    int64_t transit = arrival - (int64_t) ts;
    if (r->transit_valid) {
        int64_t d = transit - r->last_transit;
        if (d < 0)
            d = -d;
        if (d < 8000)
            r->jitter += ((double) d - r->jitter) / 16.0;
    }
    r->last_transit = transit;
    r->transit_valid = 1;
}

static void rx_event(rtp_t *r, uint32_t ts, const uint8_t *p, int len)
{
    char d[2] = {0, 0};
    int end, vol, dur;
    if (len < 4 || p[0] > 15)
        return;
    d[0] = DTMF_CHARS[p[0]];
    end = p[1] & 0x80;
    vol = p[1] & 0x3F;
    dur = (p[2] << 8) | p[3];
    if (!r->ev_seen || ts != r->ev_ts) {
        if (r->ev_seen && ts - r->ev_ts > 0x80000000u)
            return;                         /* an old event's late packet */
        r->ev_seen = 1;
        r->ev_ts = ts;
        r->ev_ended = 0;
        eng_emit(r->e, EV_DTMF_BEGIN, r->c->id, 0, 0, -vol, 0, 0, d);
        play_on_dtmf(r->e, r->c);
    }
    if (end && !r->ev_ended) {
        r->ev_ended = 1;
        /* counted before it is told: whoever acts on the digit (an app hanging up at '#') reads the figures */
        pthread_mutex_lock(&r->lock);
        r->st.rx_dtmf++;
        pthread_mutex_unlock(&r->lock);
        eng_emit(r->e, EV_DTMF, r->c->id, 0, dur / 8, -vol, 0, 0, d);
        rec_on_dtmf(r->e, r->c, d[0]);
    }
}

static void rx_audio(rtp_t *r, uint32_t ts, int marker, const uint8_t *p, int len)
{
    uint32_t i;
    int32_t ahead;
    if (!r->jb_on || marker)
        jb_resync(r, ts);
    ahead = (int32_t) (ts + (uint32_t) len - r->play_ts);
    if (ahead > JB_SIZE - 2 * MAX_FRAME || ahead < -JB_SIZE / 2) {
        jb_resync(r, ts);
        ahead = (int32_t) (ts + (uint32_t) len - r->play_ts);
    }
    if (ahead <= 0) {
        /* after its time: hold the playout a frame, so that the next ones are in time */
        r->hold = 1;
        pthread_mutex_lock(&r->lock);
        r->st.rx_late++;
        pthread_mutex_unlock(&r->lock);
        return;
    }
    for (i = 0; i < (uint32_t) len; i++) {
        uint32_t t = ts + i;
        if ((int32_t) (t - r->play_ts) < 0)
            continue;
        r->jb[t & JB_MASK] = p[i];
        r->jv[t & JB_MASK] = 1;
    }
    if ((int32_t) (ts + (uint32_t) len - r->newest_end) > 0)
        r->newest_end = ts + (uint32_t) len;
}

static int same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* Symmetric RTP for a valid packet from `from`: 1 if it may be heard, 0 if dropped (another address than the
 * latched one). LATCH_PACKETS in a row from one address latch it: RTP goes there, RTCP to its next port. */
static int latch(rtp_t *r, const struct sockaddr_in *from)
{
    if (!r->symmetric)
        return 1;
    if (r->latched) {
        if (same_addr(from, &r->to))
            return 1;
        pthread_mutex_lock(&r->lock);
        r->st.rx_foreign++;
        pthread_mutex_unlock(&r->lock);
        return 0;
    }
    if (r->cand_n > 0 && same_addr(from, &r->cand)) {
        r->cand_n++;
    } else {
        r->cand = *from;
        r->cand_n = 1;
    }
    if (r->cand_n >= LATCH_PACKETS) {
        r->latched = 1;
        r->to = *from;
        r->to_rtcp = *from;
        r->to_rtcp.sin_port = htons((uint16_t) (ntohs(from->sin_port) + 1));
        pthread_mutex_lock(&r->lock);
        r->st.latched = 1;
        inet_ntop(AF_INET, &from->sin_addr, r->st.latched_addr, sizeof(r->st.latched_addr));
        r->st.latched_port = ntohs(from->sin_port);
        pthread_mutex_unlock(&r->lock);
    }
    return 1;
}

static void rx_packet(rtp_t *r, const uint8_t *p, int len, const struct sockaddr_in *from)
{
    int cc, hdr, pt, marker;
    uint16_t seq;
    uint32_t ts, ssrc;

    if (len < 12 || (p[0] >> 6) != 2)
        return;
    cc = p[0] & 0x0F;
    hdr = 12 + 4 * cc;
    if (p[0] & 0x10) {                      /* header extension */
        if (len < hdr + 4)
            return;
        hdr += 4 + 4 * ((p[hdr + 2] << 8) | p[hdr + 3]);
    }
    if (p[0] & 0x20 && len > hdr)           /* padding */
        len -= p[len - 1];
    if (len <= hdr)
        return;
    marker = p[1] & 0x80;
    pt = p[1] & 0x7F;
    seq = (uint16_t) ((p[2] << 8) | p[3]);
    ts = ((uint32_t) p[4] << 24) | ((uint32_t) p[5] << 16) | ((uint32_t) p[6] << 8) | p[7];
    ssrc = ((uint32_t) p[8] << 24) | ((uint32_t) p[9] << 16) | ((uint32_t) p[10] << 8) | p[11];
    if (pt != r->mpt && pt != r->mdtmf)
        return;
    if (!latch(r, from))
        return;
    rx_seq(r, seq, ssrc);
    pthread_mutex_lock(&r->lock);
    r->st.rx_packets++;
    r->st.rx_bytes += len - hdr;
    pthread_mutex_unlock(&r->lock);
    if (pt == r->mdtmf) {
        rx_event(r, ts, p + hdr, len - hdr);
        return;
    }
    rx_jitter(r, ts);
    rx_audio(r, ts, marker, p + hdr, len - hdr);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

/* A report block about what we send: the far end's loss and jitter, and the round trip. */
static void rtcp_block(rtp_t *r, const uint8_t *b)
{
    uint32_t sec, frac, now_mid, lsr, dlsr;
    int32_t lost;
    if (be32(b) != r->ssrc)
        return;
    lost = (int32_t) (be32(b + 4) & 0xFFFFFF);
    if (lost & 0x800000)
        lost -= 0x1000000;
    lsr = be32(b + 16);
    dlsr = be32(b + 20);
    ntp_now(&sec, &frac);
    now_mid = (sec << 16) | (frac >> 16);
    pthread_mutex_lock(&r->lock);
    r->st.remote_lost = lost;
    r->st.remote_loss_pct = r->st.tx_packets > 0 ? (int32_t) (100 * (int64_t) lost / r->st.tx_packets) : 0;
    r->st.remote_jitter_ms = (int32_t) (be32(b + 12) / 8);
    if (lsr) {
        uint32_t rtt = now_mid - lsr - dlsr;   /* 1/65536 s */
        if (rtt < 65536u * 10)
            r->st.rtt_ms = (int32_t) (((uint64_t) rtt * 1000) >> 16);
    }
    pthread_mutex_unlock(&r->lock);
}

static void rx_rtcp(rtp_t *r, const uint8_t *p, int len, const struct sockaddr_in *from)
{
    if (r->symmetric && r->latched) {       /* RTCP follows its own port, from the latched host only */
        if (from->sin_addr.s_addr != r->to.sin_addr.s_addr)
            return;
        r->to_rtcp = *from;
    }
    pthread_mutex_lock(&r->lock);
    r->st.rtcp_rx++;
    pthread_mutex_unlock(&r->lock);
    while (len >= 8 && (p[0] >> 6) == 2) {
        int rc = p[0] & 0x1F, pt = p[1], words = (p[2] << 8) | p[3], plen = 4 * (words + 1), i, off;
        if (plen > len)
            return;
        if (pt == 200 && plen >= 28) {      /* SR */
            r->lsr = (be32(p + 8) << 16) | (be32(p + 12) >> 16);
            r->lsr_at_ns = mono_ns();
            off = 28;
        } else if (pt == 201) {             /* RR */
            off = 8;
        } else {
            off = plen;
            rc = 0;
        }
        for (i = 0; i < rc && off + 24 <= plen; i++, off += 24)
            rtcp_block(r, p + off);
        p += plen;
        len -= plen;
    }
}

/* With SRTP: the packet authenticated and decrypted in place (1), or counted as refused (0). */
static int authentic(rtp_t *r, uint8_t *buf, ssize_t *got, int rtcp)
{
    int len = (int) *got;
    if (!r->srtp.rx)
        return 1;
    if (srtp_pair_unprotect(&r->srtp, buf, &len, rtcp) < 0) {
        pthread_mutex_lock(&r->lock);
        r->st.rx_refused++;
        pthread_mutex_unlock(&r->lock);
        return 0;
    }
    *got = len;
    return 1;
}

static void drain(rtp_t *r)
{
    uint8_t buf[1500];
    struct sockaddr_in from;
    socklen_t fl;
    ssize_t got;
    for (;;) {
        fl = sizeof(from);
        got = recvfrom(r->rfd, buf, sizeof(buf) - RTP_SRTP_TRAILER, 0, (struct sockaddr *) &from, &fl);
        if (got < 0)
            break;
        if (r->on && authentic(r, buf, &got, 1))
            rx_rtcp(r, buf, (int) got, &from);
    }
    for (;;) {
        fl = sizeof(from);
        got = recvfrom(r->fd, buf, sizeof(buf) - RTP_SRTP_TRAILER, 0, (struct sockaddr *) &from, &fl);
        if (got < 0)
            break;
        if (r->on && authentic(r, buf, &got, 0))
            rx_packet(r, buf, (int) got, &from);
    }
}

/* Digits the far end sent by SIP INFO: told as RFC 4733 ones are (begin, then the digit with its length). */
static void info_digits(rtp_t *r)
{
    char q[sizeof(r->info_q)], d[2] = {0, 0};
    uint8_t ms[sizeof(r->info_ms)];
    int n, i;
    pthread_mutex_lock(&r->lock);
    n = r->info_len;
    memcpy(q, r->info_q, (size_t) n);
    memcpy(ms, r->info_ms, (size_t) n);
    r->info_len = 0;
    r->st.rx_dtmf += n;
    pthread_mutex_unlock(&r->lock);
    for (i = 0; i < n; i++) {
        d[0] = q[i];
        eng_emit(r->e, EV_DTMF_BEGIN, r->c->id, 0, 0, 0, 0, 0, d);
        play_on_dtmf(r->e, r->c);
        eng_emit(r->e, EV_DTMF, r->c->id, 0, ms[i] * 10, 0, 0, 0, d);
        rec_on_dtmf(r->e, r->c, d[0]);
    }
}

int rtp_read(rtp_t *r, uint8_t *buf, int n)
{
    uint8_t raw[MAX_FRAME];
    int16_t lin[MAX_FRAME];
    int i, level, target;
    uint8_t sil;

    sync_session(r);
    if (r->mt38)
        return 0;                           /* rtp_t38_read takes the port's datagrams */
    drain(r);
    if (r->on && __atomic_load_n(&r->info_len, __ATOMIC_RELAXED))
        info_digits(r);
    if (!r->on || !r->jb_on)
        return 0;
    target = (int) (3 * r->jitter) + n;
    target = target < r->min_target ? r->min_target : target > r->max_target ? r->max_target : target;
    r->target = target;
    if (r->hold) {                          /* a late packet: the delay grows a frame */
        r->hold = 0;
        if ((int32_t) (r->newest_end - r->play_ts) < r->max_target)
            return 0;
    }
    level = (int32_t) (r->newest_end - r->play_ts);
    if (level > target + 2 * n) {
        if (++r->over_ticks >= 25) {        /* half a second too far behind: drop a frame */
            for (i = 0; i < n; i++)
                r->jv[(r->play_ts + (uint32_t) i) & JB_MASK] = 0;
            r->play_ts += (uint32_t) n;
            r->over_ticks = 0;
        }
    } else {
        r->over_ticks = 0;
    }
    sil = silence_of(r->mpt);
    for (i = 0; i < n; i++) {
        uint32_t k = (r->play_ts + (uint32_t) i) & JB_MASK;
        raw[i] = r->jv[k] ? r->jb[k] : sil;
        r->jv[k] = 0;
    }
    r->play_ts += (uint32_t) n;
    pthread_mutex_lock(&r->lock);
    r->st.jitter_ms = (int32_t) (r->jitter / 8);
    r->st.buffer_ms = target / 8;
    if (r->st.buffer_ms > r->st.buffer_max_ms)
        r->st.buffer_max_ms = r->st.buffer_ms;
    pthread_mutex_unlock(&r->lock);
    if (codec_of(r->mpt) == r->c->codec) {
        memcpy(buf, raw, (size_t) n);
    } else {
        codec_decode(r->e, codec_of(r->mpt), raw, lin, n);
        codec_encode(r->c->codec, lin, buf, n);
    }
    return n;
}

/* ---- sending ------------------------------------------------------------------------------- */

static void send_rtp(rtp_t *r, int pt, int marker, uint32_t ts, const uint8_t *payload, int len)
{
    uint8_t pkt[12 + MAX_FRAME + RTP_SRTP_TRAILER];
    int plen = 12 + len;
    pkt[0] = 0x80;
    pkt[1] = (uint8_t) ((marker ? 0x80 : 0) | pt);
    pkt[2] = (uint8_t) (r->seq >> 8);
    pkt[3] = (uint8_t) r->seq;
    put32(pkt + 4, ts);
    put32(pkt + 8, r->ssrc);
    memcpy(pkt + 12, payload, (size_t) len);
    r->seq++;
    if (r->srtp.tx && srtp_pair_protect(&r->srtp, pkt, &plen, 0) < 0)
        return;
    if (sendto(r->fd, pkt, (size_t) plen, 0, (struct sockaddr *) &r->to, sizeof(r->to)) > 0) {
        pthread_mutex_lock(&r->lock);
        r->st.tx_packets++;
        r->st.tx_bytes += len;
        pthread_mutex_unlock(&r->lock);
    }
}

static void send_rtcp(rtp_t *r)
{
    uint8_t p[128 + RTP_SRTP_TRAILER];
    uint32_t sec, frac;
    int off = 0, rc = r->have_rx ? 1 : 0, cname_len;
    eng_rtp_stats_t st;
    char cname[32];

    rtp_get_stats(r, &st);
    ntp_now(&sec, &frac);
    p[0] = (uint8_t) (0x80 | rc);
    p[1] = 200;
    p[2] = 0;
    p[3] = (uint8_t) (6 + 6 * rc);
    put32(p + 4, r->ssrc);
    put32(p + 8, sec);
    put32(p + 12, frac);
    put32(p + 16, r->ts);
    put32(p + 20, (uint32_t) st.tx_packets);
    put32(p + 24, (uint32_t) st.tx_bytes);
    off = 28;
    if (rc) {
        int64_t expected = (int64_t) r->cycles + r->max_seq - r->base_seq + 1;
        int64_t lost = expected - r->received;
        int64_t exp_int = expected - r->expected_prior, rec_int = r->received - r->received_prior;
        int64_t lost_int = exp_int - rec_int;
        uint32_t fraction = (exp_int > 0 && lost_int > 0) ? (uint32_t) ((lost_int << 8) / exp_int) : 0;
        uint32_t dlsr = 0;
        r->expected_prior = expected;
        r->received_prior = r->received;
        if (lost > 0x7FFFFF)
            lost = 0x7FFFFF;
        if (lost < -0x800000)
            lost = -0x800000;
        if (r->lsr)
            dlsr = (uint32_t) (((mono_ns() - r->lsr_at_ns) << 16) / 1000000000);
        put32(p + off, r->rx_ssrc);
        put32(p + off + 4, (fraction << 24) | ((uint32_t) lost & 0xFFFFFF));
        put32(p + off + 8, r->cycles + r->max_seq);
        put32(p + off + 12, (uint32_t) r->jitter);
        put32(p + off + 16, r->lsr);
        put32(p + off + 20, dlsr);
        off += 24;
        pthread_mutex_lock(&r->lock);
        r->st.rx_lost = lost;
        pthread_mutex_unlock(&r->lock);
    }
    /* SDES with a CNAME: a compound packet must carry one */
    cname_len = snprintf(cname, sizeof(cname), "telephonist-%08x", r->ssrc);
    {
        int words = (4 + 2 + cname_len + 1 + 3) / 4;   /* ssrc, item header, text, end, padding */
        memset(p + off, 0, (size_t) (4 + 4 * words));
        p[off] = 0x81;
        p[off + 1] = 202;
        p[off + 3] = (uint8_t) words;
        put32(p + off + 4, r->ssrc);
        p[off + 8] = 1;
        p[off + 9] = (uint8_t) cname_len;
        memcpy(p + off + 10, cname, (size_t) cname_len);
        off += 4 + 4 * words;
    }
    if (r->srtp.tx && srtp_pair_protect(&r->srtp, p, &off, 1) < 0)
        return;
    if (sendto(r->rfd, p, (size_t) off, 0, (struct sockaddr *) &r->to_rtcp, sizeof(r->to_rtcp)) > 0) {
        pthread_mutex_lock(&r->lock);
        r->st.rtcp_tx++;
        pthread_mutex_unlock(&r->lock);
    }
}

static void send_event(rtp_t *r, int marker, int end, int duration)
{
    uint8_t ev[4];
    const char *at = strchr(DTMF_CHARS, r->dq[r->dq_pos]);
    ev[0] = (uint8_t) (at ? at - DTMF_CHARS : 0);
    ev[1] = (uint8_t) ((end ? 0x80 : 0) | 10);   /* -10 dBm0 */
    if (duration > 0xFFFF)
        duration = 0xFFFF;
    ev[2] = (uint8_t) (duration >> 8);
    ev[3] = (uint8_t) duration;
    send_rtp(r, r->mdtmf, marker, r->d_ts, ev, 4);
}

/* One frame of the digits being sent; 1 if it took the frame (no audio goes out). */
static int dtmf_tick(rtp_t *r, int n)
{
    int on = r->d_on * 8, off = r->d_off * 8;
    switch (r->d_phase) {
    case 1:
        r->d_elapsed += n;
        if (r->d_elapsed < on) {
            send_event(r, r->d_elapsed == n, 0, r->d_elapsed);
            return 1;
        }
        pthread_mutex_lock(&r->lock);           /* counted before the far end can act on it */
        r->st.tx_dtmf++;
        pthread_mutex_unlock(&r->lock);
        send_event(r, r->d_elapsed == n, 1, on);
        send_event(r, 0, 1, on);
        send_event(r, 0, 1, on);
        r->d_phase = 2;
        r->d_elapsed = 0;
        return 1;
    case 2:
        r->d_elapsed += n;
        if (r->d_elapsed >= off) {
            if (++r->dq_pos < r->dq_len) {
                r->d_phase = 1;
                r->d_elapsed = 0;
                r->d_ts = r->ts + (uint32_t) n;
            } else {
                eng_emit(r->e, EV_DTMF_SENT, r->c->id, r->d_id > 0 ? r->d_id : 0, ENG_END_DONE, 0, 0, 0, NULL);
                r->d_phase = 0;
                r->d_id = 0;
            }
        }
        return 0;
    default:
        return 0;
    }
}

int rtp_send_dtmf(rtp_t *r, int id, const char *digits, int on_ms, int off_ms)
{
    size_t len = strlen(digits);
    sync_session(r);
    if (r->d_phase && r->d_id)
        eng_emit(r->e, EV_DTMF_SENT, r->c->id, r->d_id > 0 ? r->d_id : 0, ENG_END_STOPPED, 0, 0, 0, NULL);
    if (len >= sizeof(r->dq))
        len = sizeof(r->dq) - 1;
    memcpy(r->dq, digits, len);
    r->dq[len] = 0;
    r->dq_len = (int) len;
    r->dq_pos = 0;
    r->d_id = id ? id : -1;
    r->d_on = on_ms;
    r->d_off = off_ms;
    r->d_elapsed = 0;
    r->d_ts = r->ts;
    r->d_phase = len > 0 ? 1 : 0;
    if (!r->on || r->mdtmf < 0 || len == 0) {
        /* nowhere to send them: the far end agreed no telephone-event, or no call */
        eng_emit(r->e, EV_DTMF_SENT, r->c->id, id, r->on && len == 0 ? ENG_END_DONE : ENG_END_ERROR, 0, 0, 0,
                 r->on ? "the far end takes no RFC 4733 events" : "no call on this line");
        r->d_phase = 0;
        r->d_id = 0;
    }
    return 0;
}

int rtp_write(rtp_t *r, const uint8_t *buf, int n)
{
    uint8_t raw[MAX_FRAME];
    int16_t lin[MAX_FRAME];

    sync_session(r);
    if (!r->on || r->mt38)
        return n;
    if ((r->rtcp_due -= n) <= 0) {
        r->rtcp_due = RTCP_INTERVAL_SAMPLES;
        send_rtcp(r);
    }
    if (!dtmf_tick(r, n) && !__atomic_load_n(&r->held, __ATOMIC_RELAXED)) {
        if (codec_of(r->mpt) == r->c->codec) {
            send_rtp(r, r->mpt, 0, r->ts, buf, n);
        } else {
            codec_decode(r->e, r->c->codec, buf, lin, n);
            codec_encode(codec_of(r->mpt), lin, raw, n);
            send_rtp(r, r->mpt, 0, r->ts, raw, n);
        }
    }
    r->ts += (uint32_t) n;
    return n;
}

/* ---- T.38 (UDPTL on the same port) ------------------------------------------------------------ */

int rtp_t38_on(const rtp_t *r)
{
    return r->mt38;
}

void rtp_t38_read(rtp_t *r, t38_batch_t *in)
{
    uint8_t buf[1500];
    struct sockaddr_in from;
    socklen_t fl;
    ssize_t got;
    int64_t datagrams = 0, ifp = 0;

    for (;;) {                              /* nothing uses the RTCP port meanwhile */
        fl = sizeof(from);
        if (recvfrom(r->rfd, buf, sizeof(buf), 0, (struct sockaddr *) &from, &fl) < 0)
            break;
    }
    for (;;) {
        int taken;
        fl = sizeof(from);
        got = recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *) &from, &fl);
        if (got < 0)
            break;
        if (!r->on || (taken = udptl_parse(&r->udptl, buf, (int) got, in)) < 0)
            continue;
        if (!latch(r, &from))               /* symmetric, as RTP */
            continue;
        datagrams++;
        ifp += taken;
    }
    if (datagrams) {
        pthread_mutex_lock(&r->lock);
        r->st.rx_packets += datagrams;
        r->st.t38_rx_ifp += ifp;
        r->st.t38_recovered = r->udptl.recovered;
        r->st.rx_lost = r->udptl.lost;
        pthread_mutex_unlock(&r->lock);
    }
}

void rtp_t38_write(rtp_t *r, const t38_batch_t *out)
{
    uint8_t pkt[UDPTL_DATAGRAM_MAX];
    int i, k, len;
    int64_t sent = 0;

    if (!r->on || !r->mt38 || !out)
        return;
    for (i = 0; i < out->n; i++) {
        if ((len = udptl_build(&r->udptl, out->data + out->off[i], out->len[i], pkt, sizeof(pkt))) < 0)
            continue;
        for (k = 0; k < out->count[i]; k++)     /* the same datagram again: the far end takes it once */
            if (sendto(r->fd, pkt, (size_t) len, 0, (struct sockaddr *) &r->to, sizeof(r->to)) > 0)
                sent++;
    }
    if (out->n) {
        pthread_mutex_lock(&r->lock);
        r->st.tx_packets += sent;
        r->st.t38_tx_ifp += out->n;
        pthread_mutex_unlock(&r->lock);
    }
}
