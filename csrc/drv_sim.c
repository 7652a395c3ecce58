/*
 * The simulated driver: software spans whose every channel is wired to a far
 * end, itself an engine channel (ENG_KIND_FAR) that tests and the demo drive
 * like the exchange, a phone or a fax machine at the other end of the line.
 * Audio crosses with one frame of delay, as a block-based card would give;
 * hook, ring, polarity, CAS bits and signalling messages set on one side
 * arrive as events on the other. Optional impairments (attenuation, white
 * noise, echo) are applied on the wire.
 *
 * An E1 span may run ISDN PRI instead of passing its signalling messages across (eng_sim_pri): libpri on
 * each end (pri.c), the near channels' and the far channels', talking Q.921/Q.931 over a D-channel of their own
 * (a SOCK_SEQPACKET socketpair, one frame per datagram, as DAHDI's HDLC channel gives them). Each end's
 * messages are then what a dahdi PRI span gives, and both ends' libpri threads emit them.
 */
#define _GNU_SOURCE 1
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_private.h"
#include "pri.h"

#define SIM_PRI_ALARM_BASE 1000   /* a sim PRI span's EV_ALARM chan: -(this + the span's index), apart from DAHDI's */

typedef struct {
    chan_t *near, *far;
    uint8_t to_near[MAX_FRAME * 2];
    uint8_t to_far[MAX_FRAME * 2];
    uint8_t near_wrote, far_wrote;
    uint8_t near_silent, far_silent;
    int loopback;
    int impaired;
    int loss_q12;               /* attenuation both ways */
    int echo_q12;               /* share of our own signal heard back */
    awgn_state_t *noise_near, *noise_far;
} sim_line_t;

typedef struct {
    int nlines;
    sim_line_t *lines;
    pri_span_t *pri_near, *pri_far;     /* ISDN PRI on the span's lines (eng_sim_pri), or NULL */
    int alarm_chan;                     /* PRI: the span's EV_ALARM chan */
    int alarm_told;                     /* PRI: the alarm bits last told, -1: none yet */
} sim_span_t;

/* PRI: the timeslot of line i (0-based): timeslot 16 is the D-channel's */
static int ts_of_line(int i)
{
    return i < 15 ? i + 1 : i + 2;
}

static int q12_from_db_loss(int db)
{
    /* 10^(-db/20) in Q12 */
    int v = 4096;
    while (db >= 6) {
        v /= 2;
        db -= 6;
    }
    while (db-- > 0)
        v = v * 917 / 1029;   /* -1 dB */
    return v;
}

static int sim_read(span_t *s, chan_t *c, uint8_t *buf, int n)
{
    sim_line_t *l = c->drv;
    int bytes = n * codec_bytes_per_sample(c->codec);
    (void) s;
    if (c == l->near)
        memcpy(buf, l->loopback ? l->to_far : l->to_near, (size_t) bytes);
    else
        memcpy(buf, l->to_far, (size_t) bytes);
    return n;
}

static int sim_write(span_t *s, chan_t *c, const uint8_t *buf, int n)
{
    sim_line_t *l = c->drv;
    int bytes = n * codec_bytes_per_sample(c->codec);
    (void) s;
    if (c == l->near) {
        memcpy(l->to_far, buf, (size_t) bytes);
        l->near_wrote = 1;
        l->near_silent = 0;
    } else {
        memcpy(l->to_near, buf, (size_t) bytes);
        l->far_wrote = 1;
        l->far_silent = 0;
    }
    return n;
}

/* The line's buffer sim_read or sim_write will copy (chan_prefetch_rx/tx). */
static void sim_prefetch(span_t *s, chan_t *c, int for_write)
{
    const sim_line_t *l = c->drv;
    const uint8_t *buf;
    (void) s;
    if (!l)
        return;
    if (c == l->near)
        buf = (for_write || l->loopback) ? l->to_far : l->to_near;
    else
        buf = for_write ? l->to_near : l->to_far;
    __builtin_prefetch(l, 1);
    __builtin_prefetch(buf, 1);
    __builtin_prefetch(buf + 64, 1);
    __builtin_prefetch(buf + 128, 1);
}

static chan_t *peer(chan_t *c)
{
    sim_line_t *l = c->drv;
    return c == l->near ? l->far : l->near;
}

static int sim_hook(span_t *s, chan_t *c, int state)
{
    chan_t *p = peer(c);
    engine_t *e = s->eng;

    switch (state) {
    case ENG_HOOK_ON:
    case ENG_HOOK_OFF:
    case ENG_HOOK_FLASH:
    case ENG_HOOK_OPEN_LOOP:
        eng_emit(e, EV_HOOK, p->id, 0, state, 0, 0, 0, NULL);
        return 0;
    case ENG_HOOK_RING_ON:
        eng_emit(e, EV_RING, p->id, 0, 1, 0, 0, 0, NULL);
        return 0;
    case ENG_HOOK_RING_OFF:
        eng_emit(e, EV_RING, p->id, 0, 0, 0, 0, 0, NULL);
        return 0;
    case ENG_HOOK_POLARITY:
        eng_emit(e, EV_POLARITY, p->id, 0, 0, 0, 0, 0, NULL);
        return 0;
    default:
        return ENG_EINVAL;
    }
}

static int sim_cas(span_t *s, chan_t *c, int bits)
{
    eng_emit(s->eng, EV_CAS, peer(c)->id, 0, bits & 0xF, 0, 0, 0, NULL);
    return 0;
}

static int sim_sigmsg(span_t *s, chan_t *c, const char *msg)
{
    sim_span_t *ss = s->drv;
    sim_line_t *l = c->drv;

    if (ss->pri_near)
        return pri_span_command(c == l->near ? ss->pri_near : ss->pri_far, ts_of_line((int) (l - ss->lines)), msg);
    eng_emit(s->eng, EV_SIGMSG, peer(c)->id, 0, 0, 0, 0, 0, msg);
    return 0;
}

static void impair(engine_t *e, sim_line_t *l, uint8_t *dst, const uint8_t *own, awgn_state_t *noise)
{
    int16_t a[MAX_FRAME], b[MAX_FRAME];
    int n = e->frame, i;
    int codec = l->near->codec;

    codec_decode(e, codec, dst, a, n);
    if (l->echo_q12)
        codec_decode(e, codec, own, b, n);
    for (i = 0; i < n; i++) {
        int32_t v = ((int32_t) a[i] * l->loss_q12) >> 12;
        if (l->echo_q12)
            v += ((int32_t) b[i] * l->echo_q12) >> 12;
        if (noise)
            v += awgn(noise);
        a[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    codec_encode(codec, a, dst, n);
}

static void sim_tick_end(span_t *s)
{
    sim_span_t *ss = s->drv;
    engine_t *e = s->eng;
    int i;

    for (i = 0; i < ss->nlines; i++) {
        sim_line_t *l = &ss->lines[i];
        int bytes = e->frame * codec_bytes_per_sample(l->near->codec);
        uint8_t silence = e->silence_byte[l->near->codec];

        /* a side that did not transmit this tick sends silence, not its last frame */
        if (!l->near_wrote && !l->near_silent) {
            memset(l->to_far, silence, (size_t) bytes);
            l->near_silent = 1;
        }
        if (!l->far_wrote && !l->far_silent) {
            memset(l->to_near, silence, (size_t) bytes);
            l->far_silent = 1;
        }
        if (l->impaired && (l->near_wrote || l->far_wrote)) {
            uint8_t near_tx[MAX_FRAME * 2];
            memcpy(near_tx, l->to_far, (size_t) bytes);
            impair(e, l, l->to_far, l->to_near, l->noise_far);
            impair(e, l, l->to_near, near_tx, l->noise_near);
        }
        l->near_wrote = l->far_wrote = 0;
    }
    if (ss->pri_near && (pri_span_take_change(ss->pri_near) || ss->alarm_told < 0)) {
        int bits = pri_span_alarm_bits(ss->pri_near);
        if (bits != ss->alarm_told) {
            ss->alarm_told = bits;
            eng_emit(e, EV_ALARM, ss->alarm_chan, 0, bits, 0, 0, 0, bits ? "DCHAN" : "OK");
        }
    }
}

static void sim_free(span_t *s)
{
    sim_span_t *ss = s->drv;
    int i;
    pri_span_free(ss->pri_near);
    pri_span_free(ss->pri_far);
    for (i = 0; i < ss->nlines; i++) {
        if (ss->lines[i].noise_near)
            awgn_free(ss->lines[i].noise_near);
        if (ss->lines[i].noise_far)
            awgn_free(ss->lines[i].noise_far);
    }
    free(ss->lines);
    free(ss);
}

const driver_ops_t sim_driver_ops = {
    .name = "sim",
    .read = sim_read,
    .write = sim_write,
    .hook = sim_hook,
    .cas = sim_cas,
    .sigmsg = sim_sigmsg,
    .tick_begin = NULL,
    .tick_end = sim_tick_end,
    .free = sim_free,
    .prefetch = sim_prefetch,
};

int eng_sim_span(engine_t *e, int kind, int nchans, int codec, int zone)
{
    sim_span_t *ss;
    span_t *s;
    int i, first;

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "sim span: the engine is running");
    if (kind < ENG_KIND_FXO || kind > ENG_KIND_E1 || nchans < 1 || codec < ENG_CODEC_ALAW
        || codec > ENG_CODEC_LINEAR || zone < 0 || zone >= MAX_ZONES)
        return eng_fail(e, ENG_EINVAL, "sim span: kind %d, %d channels, codec %d, zone %d: out of range",
                        kind, nchans, codec, zone);
    /* 64 bits: twice a huge count must not wrap into a small one */
    if (e->nchans + 2 * (int64_t) nchans > e->max_channels) {
        eng_set_error(e, "sim span of %d channels needs %lld engine channels; only %d left",
                      nchans, 2 * (long long) nchans, e->max_channels - e->nchans);
        return ENG_ENOMEM;
    }
    if ((ss = calloc(1, sizeof(*ss))) == NULL || (ss->lines = calloc((size_t) nchans, sizeof(sim_line_t))) == NULL) {
        free(ss);
        return ENG_ENOMEM;
    }
    ss->nlines = nchans;
    if ((s = eng_new_span(e, &sim_driver_ops, ss)) == NULL) {
        free(ss->lines);
        free(ss);
        return ENG_ENOMEM;
    }
    first = e->nchans;
    for (i = 0; i < nchans; i++) {
        sim_line_t *l = &ss->lines[i];
        l->near = eng_new_channel(e, s, kind, codec, zone);
        l->near->drv = l;
        l->loss_q12 = 4096;
        memset(l->to_near, e->silence_byte[codec], sizeof(l->to_near));
        memset(l->to_far, e->silence_byte[codec], sizeof(l->to_far));
        l->near_silent = l->far_silent = 1;
    }
    for (i = 0; i < nchans; i++) {
        sim_line_t *l = &ss->lines[i];
        l->far = eng_new_channel(e, s, ENG_KIND_FAR, codec, zone);
        l->far->drv = l;
    }
    return first;
}

int sim_far_of(engine_t *e, chan_t *c)
{
    sim_line_t *l = c->drv;
    (void) e;
    return c == l->near ? l->far->id : l->near->id;
}

int sim_set_loopback(engine_t *e, chan_t *c, int on)
{
    sim_line_t *l = c->drv;
    (void) e;
    l->loopback = on;
    return 0;
}

int sim_set_impair(engine_t *e, chan_t *c, int noise_dbm0, int echo_db, int loss_db)
{
    sim_line_t *l = c->drv;
    (void) e;
    if (l->noise_near) {
        awgn_free(l->noise_near);
        awgn_free(l->noise_far);
        l->noise_near = l->noise_far = NULL;
    }
    /* noise_dbm0 of 0 or above means no noise: a line at that level would carry nothing */
    if (noise_dbm0 < 0) {
        l->noise_near = awgn_init_dbm0(NULL, 1234567 + c->id, (float) noise_dbm0);
        l->noise_far = awgn_init_dbm0(NULL, 7654321 + c->id, (float) noise_dbm0);
    }
    l->echo_q12 = echo_db > 0 ? q12_from_db_loss(echo_db) : 0;
    l->loss_q12 = loss_db > 0 ? q12_from_db_loss(loss_db) : 4096;
    l->impaired = l->noise_near || l->echo_q12 || loss_db > 0;
    return 0;
}

int eng_sim_pri(engine_t *e, int chan, const char *side, const char *switchtype, const char *options)
{
    chan_t *c = eng_chan(e, chan);
    sim_span_t *ss;
    int near_map[32], far_map[32], sv[2], i, nts = 0;
    char err[200], far_options[48];
    const char *far_side, *unused;

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "sim pri: the engine is running (attach PRI before eng_start)");
    if (!c || c->span->ops != &sim_driver_ops)
        return eng_fail(e, ENG_ENOCHAN, "sim pri: engine channel %d is not a sim channel", chan);
    if (!pri_available())
        return eng_fail(e, ENG_ESTATE, "sim pri: this engine was built without libpri (install Debian's libpri-dev "
                        "and rebuild)");
    ss = c->span->drv;
    if (ss->pri_near)
        return eng_fail(e, ENG_EBUSY, "sim pri: that span already runs PRI");
    if (ss->lines[0].near->kind != ENG_KIND_E1 || ss->nlines > 30)
        return eng_fail(e, ENG_EINVAL, "sim pri: a PRI span is a sim E1 of 1 to 30 lines");
    for (i = 0; i < 32; i++)
        near_map[i] = far_map[i] = -1;
    for (i = 0; i < ss->nlines; i++) {
        near_map[ts_of_line(i)] = ss->lines[i].near->id;
        far_map[ts_of_line(i)] = ss->lines[i].far->id;
        nts = ts_of_line(i) + 1;
    }
    /* far_unused=N: the far end does not serve timeslot N (out of service there: its SETUPs and answers name
     * another, and our SETUP naming it must move or fail) */
    if (options && (unused = strstr(options, "far_unused=")) != NULL) {
        int ts = atoi(unused + strlen("far_unused="));
        if (ts > 0 && ts < 32)
            far_map[ts] = -1;
    }
    /* near_unused=N: our end does not serve timeslot N (a channel out of service here: a far end's SETUP naming it
     * goes to another channel, or gets 34 when none is free) */
    if (options && (unused = strstr(options, "near_unused=")) != NULL) {
        int ts = atoi(unused + strlen("near_unused="));
        if (ts > 0 && ts < 32)
            near_map[ts] = -1;
    }
    /* the far end: the other side, overlap allowed (it may send either way), its channels named as the
     * options' far_channel= says (exclusive by default) */
    far_side = side && strcmp(side, "network") == 0 ? "user" : "network";
    snprintf(far_options, sizeof(far_options), "overlap=1 channel=%s",
             options && strstr(options, "far_channel=preferred") ? "preferred" : "exclusive");
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        return eng_fail(e, ENG_ESYS, "sim pri: socketpair failed");
    if ((ss->pri_near = pri_span_new_fd(e, sv[0], side, switchtype, options, near_map, nts, err, sizeof(err))) == NULL) {
        close(sv[1]);
        return eng_fail(e, ENG_EINVAL, "%s", err);
    }
    if ((ss->pri_far = pri_span_new_fd(e, sv[1], far_side, switchtype, far_options, far_map, nts, err,
                                       sizeof(err))) == NULL) {
        pri_span_free(ss->pri_near);
        ss->pri_near = NULL;
        return eng_fail(e, ENG_EINVAL, "%s", err);
    }
    ss->alarm_chan = -(SIM_PRI_ALARM_BASE + c->span->index);
    ss->alarm_told = -1;
    return -ss->alarm_chan;
}
