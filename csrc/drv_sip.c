/*
 * The sip driver: a SIP trunk whose lines chand drives exactly like an E1's bearer channels.
 *
 * Signalling is sofia-sip's user agent (nua), run by one thread per span in its own event loop (su_root);
 * the SIP parser, transactions, retransmissions, digest authentication and the SDP parser are all
 * sofia-sip's. What goes in and out is the message shape of the sim E1 (signalling/digital.py):
 *
 *   chand -> eng_sigmsg   SETUP calling= called=   INVITE sip:called@peer (From: calling)
 *                         ALERTING                 180 Ringing to the INVITE we hold
 *                         CONNECT                  200 OK with our SDP answer, RTP starts
 *                         DISCONNECT cause=N       CANCEL, BYE or a final error answer (Reason: Q.850)
 *   EV_SIGMSG -> chand    SETUP calling= called=   an INVITE (Request-URI user = DNIS, From user = caller)
 *                         ALERTING                 180/183
 *                         CONNECT                  200 OK (ACKed by nua), RTP starts
 *                         DISCONNECT cause=N       BYE, CANCEL or a final error (SIP status -> Q.850)
 *                         RELEASE                  after our DISCONNECT: the line is free again
 *                         MEDIA kind=t38|audio by=  the call's media switched by re-INVITE (T.38 fax, sip_t38.c)
 *
 * Threads: the media thread calls the driver table (read/write through rtp.c; sigmsg queues a command
 * and wakes the SIP thread through a pipe). The SIP thread owns every nua object and each line's call
 * state; it hands RTP its session with rtp_start/rtp_stop and reports with eng_emit (thread-safe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sip_private.h"

/* ---- the driver table ---------------------------------------------------------------------- */

static int sip_read(span_t *s, chan_t *c, uint8_t *buf, int n)
{
    (void) s;
    return rtp_read(((sip_line_t *) c->drv)->rtp, buf, n);
}

static int sip_write(span_t *s, chan_t *c, const uint8_t *buf, int n)
{
    (void) s;
    return rtp_write(((sip_line_t *) c->drv)->rtp, buf, n);
}

static int sip_hook(span_t *s, chan_t *c, int state)
{
    (void) s;
    (void) c;
    (void) state;
    return ENG_EINVAL;              /* calls are set up and cleared by messages */
}

static int sip_cas(span_t *s, chan_t *c, int bits)
{
    (void) s;
    (void) c;
    (void) bits;
    return ENG_EINVAL;
}

static int sip_sigmsg(span_t *s, chan_t *c, const char *msg)
{
    sip_span_t *sp = s->drv;
    sip_push(sp, (int) ((sip_line_t *) c->drv - sp->lines), msg);
    return 0;
}

/* Digits as the span's dtmf says: RFC 4733 events, SIP INFO (the SIP thread sends them), or tones in the
 * audio as on a card's line. */
static int sip_send_dtmf(span_t *s, chan_t *c, int id, const char *digits, int on_ms, int off_ms)
{
    sip_span_t *sp = s->drv;
    char msg[ENG_TEXT_MAX];
    switch (sp->p.dtmf) {
    case ENG_SIP_DTMF_INFO:
        snprintf(msg, sizeof(msg), "INFO id=%d on=%d digits=%.64s", id, on_ms, digits);
        sip_push(sp, (int) ((sip_line_t *) c->drv - sp->lines), msg);
        return 0;
    case ENG_SIP_DTMF_INBAND:
        return dsp_send_dtmf(s->eng, c, id, digits, on_ms, off_ms);
    default:
        return rtp_send_dtmf(((sip_line_t *) c->drv)->rtp, id, digits, on_ms, off_ms);
    }
}

/* A line with a call sends and hears RTP every tick, as an off-hook line is worked on: its channel counts
 * as off hook while its RTP session is on. */
static void sip_tick_begin(span_t *s)
{
    sip_span_t *sp = s->drv;
    int i;
    for (i = 0; i < sp->nlines; i++) {
        chan_t *c = sp->lines[i].chan;
        int hook = rtp_tick(sp->lines[i].rtp) ? ENG_HOOK_OFF : ENG_HOOK_ON;
        if (hook == ENG_HOOK_OFF && c->hook != ENG_HOOK_OFF)
            gw_call_begins(c);          /* the call's media starts: a bridge's T.38 gateway has no figures yet */
        c->hook = hook;
    }
}

/* T.38 (sip_t38.c switches a call's media; rtp.c carries UDPTL on the line's port) */
static int sip_t38_on(span_t *s, chan_t *c)
{
    (void) s;
    return rtp_t38_on(((sip_line_t *) c->drv)->rtp);
}

static void sip_t38_read(span_t *s, chan_t *c, t38_batch_t *in)
{
    (void) s;
    rtp_t38_read(((sip_line_t *) c->drv)->rtp, in);
}

static void sip_t38_write(span_t *s, chan_t *c, const t38_batch_t *out)
{
    (void) s;
    rtp_t38_write(((sip_line_t *) c->drv)->rtp, out);
}

/* A fax receive on a span whose t38 is on asks the far end for T.38 (the SIP thread re-INVITEs). */
static void sip_fax_begins(span_t *s, chan_t *c, int send)
{
    sip_span_t *sp = s->drv;
    if (!send && sp->p.t38 == ENG_SIP_T38_ON)
        sip_push(sp, (int) ((sip_line_t *) c->drv - sp->lines), "T38");
}

static int sip_t38_mode(span_t *s, int *cng)
{
    sip_span_t *sp = s->drv;
    *cng = sp->p.t38_gateway_cng != 0;
    return sp->p.t38;
}

static void sip_free(span_t *s)
{
    sip_span_t *sp = s->drv;
    int i;
    if (sp->started) {
        sip_push(sp, -1, NULL);
        pthread_join(sp->thread, NULL);
    }
    while (sp->qhead) {
        sip_cmd_t *c = sp->qhead;
        sp->qhead = c->next;
        free(c);
    }
    for (i = 0; i < sp->nlines; i++)
        rtp_free(sp->lines[i].rtp);
    close(sp->wake[0]);
    close(sp->wake[1]);
    free(sp->lines);
    free(sp->trusted);
    free(sp);
}

const driver_ops_t sip_driver_ops = {
    .name = "sip",
    .read = sip_read,
    .write = sip_write,
    .hook = sip_hook,
    .cas = sip_cas,
    .sigmsg = sip_sigmsg,
    .tick_begin = sip_tick_begin,
    .free = sip_free,
    .send_dtmf = sip_send_dtmf,
    .t38_on = sip_t38_on,
    .t38_read = sip_t38_read,
    .t38_write = sip_t38_write,
    .fax_begins = sip_fax_begins,
    .t38_mode = sip_t38_mode,
};

static int bad_text(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) == NULL;
}

/* A trunk's trusted sources: "a.b.c.d/n" (or "a.b.c.d") a line; -1 and err on a mistake. */
static int parse_trusted(sip_span_t *sp, const char *text, char *err, size_t cap)
{
    const char *p = text;
    while (p && *p) {
        char item[64], *slash;
        size_t n = strcspn(p, "\n");
        struct in_addr a;
        int bits = 32;
        struct sip_net_s *more;
        if (n == 0 || n >= sizeof(item)) {
            p += n + (p[n] == '\n');
            if (n == 0)
                continue;
            snprintf(err, cap, "sip span: trusted: an entry longer than %zu bytes", sizeof(item) - 1);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        p += n + (p[n] == '\n');
        if ((slash = strchr(item, '/')) != NULL) {
            char *end;
            *slash = '\0';
            bits = (int) strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end || bits < 0 || bits > 32)
                bits = -1;
        }
        if (bits < 0 || inet_pton(AF_INET, item, &a) != 1) {
            snprintf(err, cap, "sip span: trusted: '%s' is not an IPv4 network (a.b.c.d/n)", item);
            return -1;
        }
        if ((more = realloc(sp->trusted, (size_t) (sp->ntrusted + 1) * sizeof(*more))) == NULL) {
            snprintf(err, cap, "sip span: trusted: out of memory");
            return -1;
        }
        sp->trusted = more;
        more[sp->ntrusted].mask = bits ? htonl(0xFFFFFFFFu << (32 - bits)) : 0;
        more[sp->ntrusted].net = a.s_addr & more[sp->ntrusted].mask;
        sp->ntrusted++;
    }
    return 0;
}

int eng_sip_span(engine_t *e, const eng_sip_params_t *p, int nchans, int codec, int zone)
{
    sip_span_t *sp;
    span_t *s;
    char err[200];
    int i, first;

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "sip span: the engine is running");
    if (!p || nchans < 1 || codec < ENG_CODEC_ALAW || codec > ENG_CODEC_ULAW || zone < 0 || zone >= MAX_ZONES)
        return eng_fail(e, ENG_EINVAL, "sip span: %d channels, codec %d, zone %d: out of range (G.711 only)",
                        nchans, codec, zone);
    if (bad_text(p->bind, sizeof(p->bind)) || bad_text(p->peer, sizeof(p->peer))
        || bad_text(p->rtp_host, sizeof(p->rtp_host)) || bad_text(p->from_user, sizeof(p->from_user))
        || bad_text(p->username, sizeof(p->username)) || bad_text(p->password, sizeof(p->password))
        || bad_text(p->registrar, sizeof(p->registrar)) || bad_text(p->realm, sizeof(p->realm))
        || bad_text(p->tls_bind, sizeof(p->tls_bind)) || bad_text(p->tls_cert_dir, sizeof(p->tls_cert_dir))
        || bad_text(p->outbound_proxy, sizeof(p->outbound_proxy)))
        return eng_fail(e, ENG_EINVAL, "sip span: a text setting is not terminated");
    if (p->srtp < ENG_SIP_SRTP_OFF || p->srtp > ENG_SIP_SRTP_MANDATORY || p->dtmf < ENG_SIP_DTMF_RFC2833
        || p->dtmf > ENG_SIP_DTMF_INBAND)
        return eng_fail(e, ENG_EINVAL, "sip span: srtp %d or dtmf %d: out of range", p->srtp, p->dtmf);
    if (p->t38 < ENG_SIP_T38_OFF || p->t38 > ENG_SIP_T38_ON)
        return eng_fail(e, ENG_EINVAL, "sip span: t38 %d: out of range", p->t38);
    if (p->transport < ENG_SIP_TRANSPORT_UDP || p->transport > ENG_SIP_TRANSPORT_TLS
        || (p->transport == ENG_SIP_TRANSPORT_TLS && !p->tls_bind[0]))
        return eng_fail(e, ENG_EINVAL, "sip span: transport %d: out of range, or TLS without tls_bind", p->transport);
    if (p->rtp_port < 1024 || p->rtp_port % 2 || p->rtp_port + 2 * nchans > 65535)
        return eng_fail(e, ENG_EINVAL, "sip span: rtp_port %d: an even port from 1024, with room for %d lines",
                        p->rtp_port, nchans);
    if (p->jitter_min_ms < 0 || p->jitter_max_ms > 900 || (p->jitter_max_ms && p->jitter_max_ms < p->jitter_min_ms))
        return eng_fail(e, ENG_EINVAL, "sip span: jitter buffer %d-%d ms: out of range (0-900)",
                        p->jitter_min_ms, p->jitter_max_ms);
    if (p->tls_bind[0] && !p->tls_cert_dir[0])
        return eng_fail(e, ENG_EINVAL, "sip span: TLS on %s needs a certificate directory", p->tls_bind);
    if (p->t38 != ENG_SIP_T38_OFF && fax_worker_init(e, err, sizeof(err)) < 0)
        return eng_fail(e, ENG_ESYS, "sip span: %s", err);     /* a bridge's T.38 gateway runs there */
    if (e->nchans + (int64_t) nchans > e->max_channels)
        return eng_fail(e, ENG_ENOMEM, "sip span of %d channels: only %d engine channels left", nchans,
                        e->max_channels - e->nchans);
    if ((sp = calloc(1, sizeof(*sp))) == NULL || (sp->lines = calloc((size_t) nchans, sizeof(sip_line_t))) == NULL) {
        free(sp);
        return ENG_ENOMEM;
    }
    sp->e = e;
    sp->p = *p;
    sp->p.phones = NULL;            /* the caller's text: the lines keep their users */
    sp->codec = codec;
    sp->nlines = nchans;
    eng_mutex_init(&sp->qlock);
    pthread_mutex_init(&sp->ready_lock, NULL);
    pthread_cond_init(&sp->ready_cond, NULL);
    if (pipe2(sp->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
        free(sp->lines);
        free(sp);
        return eng_fail(e, ENG_ESYS, "sip span: pipe: %s", strerror(errno));
    }
    sp->p.trusted = NULL;           /* the caller's text: parsed into sp->trusted */
    if ((p->phones && phones_parse(sp, p->phones, err, sizeof(err)) < 0)
        || (p->trusted && parse_trusted(sp, p->trusted, err, sizeof(err)) < 0)) {
        close(sp->wake[0]);
        close(sp->wake[1]);
        free(sp->lines);
        free(sp->trusted);
        free(sp);
        return eng_fail(e, ENG_EINVAL, "%s", err);
    }
    if (p->nat_keepalive_s < 0 || p->nat_keepalive_s > 86400) {
        close(sp->wake[0]);
        close(sp->wake[1]);
        free(sp->lines);
        free(sp->trusted);
        free(sp);
        return eng_fail(e, ENG_EINVAL, "sip span: nat_keepalive_s %d: out of range (0-86400)", p->nat_keepalive_s);
    }
    for (i = 0; i < nchans; i++) {
        sp->lines[i].sp = sp;
        if ((sp->lines[i].rtp = rtp_new(e, NULL, p->rtp_host, p->rtp_port + 2 * i, err, sizeof(err))) == NULL) {
            while (--i >= 0)
                rtp_free(sp->lines[i].rtp);
            close(sp->wake[0]);
            close(sp->wake[1]);
            free(sp->lines);
            free(sp->trusted);
            free(sp);
            return eng_fail(e, ENG_ESYS, "sip span: %s", err);
        }
        if (p->jitter_max_ms)
            rtp_set_bounds(sp->lines[i].rtp, p->jitter_min_ms, p->jitter_max_ms);
        rtp_set_symmetric(sp->lines[i].rtp, p->symmetric_rtp);
    }
    if ((s = eng_new_span(e, &sip_driver_ops, sp)) == NULL) {
        for (i = 0; i < nchans; i++)
            rtp_free(sp->lines[i].rtp);
        close(sp->wake[0]);
        close(sp->wake[1]);
        free(sp->lines);
        free(sp->trusted);
        free(sp);
        return ENG_ENOMEM;
    }
    first = e->nchans;
    for (i = 0; i < nchans; i++) {
        chan_t *c = eng_new_channel(e, s, ENG_KIND_E1, codec, zone);
        c->drv = &sp->lines[i];
        sp->lines[i].chan_id = c->id;
        sp->lines[i].chan = c;
        rtp_set_chan(sp->lines[i].rtp, c);
    }
    if (pthread_create(&sp->thread, NULL, sip_thread, sp) != 0)
        return eng_fail(e, ENG_ESYS, "sip span: cannot start its thread");
    sp->started = 1;
    pthread_mutex_lock(&sp->ready_lock);
    while (!sp->ready)
        pthread_cond_wait(&sp->ready_cond, &sp->ready_lock);
    pthread_mutex_unlock(&sp->ready_lock);
    if (sp->ready < 0) {
        /* the span stays (its channels are made) but can carry no call: say why */
        pthread_join(sp->thread, NULL);
        sp->started = 0;
        return eng_fail(e, ENG_ESYS, "%s", sp->err);
    }
    return first;
}

int eng_sip_rtp_stats(engine_t *e, int chan, eng_rtp_stats_t *out)
{
    chan_t *c;
    eng_clear_error(e);
    if ((c = eng_chan(e, chan)) == NULL)
        return eng_fail(e, ENG_ENOCHAN, "rtp stats: no channel %d", chan);
    if (c->span->ops != &sip_driver_ops)
        return eng_fail(e, ENG_EINVAL, "rtp stats: channel %d is not on a sip span", chan);
    rtp_get_stats(((sip_line_t *) c->drv)->rtp, out);
    out->t38_gateway = __atomic_load_n(&c->gw_used, __ATOMIC_RELAXED);
    out->t38_gateway_pages = __atomic_load_n(&c->gw_pages, __ATOMIC_RELAXED);
    out->t38_gateway_bit_rate = __atomic_load_n(&c->gw_rate, __ATOMIC_RELAXED);
    out->t38_gateway_ecm = __atomic_load_n(&c->gw_ecm, __ATOMIC_RELAXED);
    return 0;
}
