/*
 * The DAHDI driver: channels of telephony cards (or DAHDI's loopback spans)
 * through /dev/dahdi/channel.
 *
 * Every channel is its own non-blocking descriptor bound with DAHDI_SPECIFY,
 * its block size set to the engine frame (or a divisor of it) and ~32 kernel
 * buffers, so the card and the engine's clock may drift a few blocks apart
 * without losing audio. The engine's clock paces the ticks: tick_begin drains
 * whatever each descriptor has (events first: a read failing with ELAST means
 * one is queued) into a small per-channel FIFO, and read() hands the engine
 * one frame of it. The FIFO starts handing out audio once it holds two frames,
 * so scheduling jitter does not cut the sound into pieces; when it runs dry the
 * engine hears silence and the FIFO fills up again. A channel the engine does not read (idle)
 * keeps only its newest two frames, so a call starts without stale audio.
 *
 * Sending has the mirror problem: the kernel sends a block every frame whether the engine wrote
 * one or not, silence when its queue is empty. A few frames of silence written ahead
 * (TX_LEAD_FRAMES) let the engine be late by that much without a gap. The card keeps sending
 * while the engine does not write (a channel with nothing to do is not ticked: an idle phone
 * port, a line between calls), so the lead drains away; a channel that starts sending again
 * (caller ID after a ring, message waiting to an idle phone, DTMF into a call that only
 * listened) gets back what it used up, before its first frame: without it every tick that woke
 * a little late cut the audio with a few milliseconds of silence, enough to lose an FSK burst
 * or split a DTMF digit. After a stall the engine's clock gave up catching up (more than five
 * frames): the lead is gone and is written again.
 *
 * Sizes of DAHDI's structures and its ioctl numbers come from <dahdi/user.h>
 * through the compiler (Debian: dahdi-source, or dahdi-dkms's copy); when the
 * header is not installed the driver is built as a stub that says so.
 *
 * Events, by the channel's DAHDI signalling:
 *   fxs* (our FXO port, a trunk): DAHDI queues RINGBEGIN when a ring burst starts (unless the
 *        port hung up less than 2 s ago) and RINGOFFHOOK when it has ended (after the ring
 *        trailer). RINGBEGIN -> EV_RING a=1; RINGOFFHOOK after a RINGBEGIN -> EV_RING a=0;
 *        RINGOFFHOOK alone -> EV_RING a=1 (a burst whose start DAHDI did not tell, as on
 *        loopback spans): one a=1 per burst either way, a=0 only when DAHDI tells it.
 *        ONHOOK -> EV_HOOK a=ENG_HOOK_OPEN_LOOP (kewlstart disconnect).
 *   fxo* (our FXS port, a phone): RINGOFFHOOK -> EV_HOOK OFF (the driver takes the port off
 *        hook, as the phone answered), ONHOOK -> EV_HOOK ON (and the port back on hook, from
 *        where it can ring again), WINKFLASH -> EV_HOOK FLASH.
 *   E&M / CAS (ENG_KIND_E1): RINGOFFHOOK/ONHOOK/WINKFLASH as for a phone; BITSCHANGED ->
 *        EV_CAS a=ABCD, masked with 0xF and only when the bits really changed (dahdi_dynamic
 *        2.11 leaks the neighbouring channel's bits into the upper nibble).
 *   MFC-R2 channels (eng_dahdi_r2): openr2 (r2.c) takes their events and, during register signalling,
 *        their received audio; see r2.c for who owns what.
 *   every kind: POLARITY -> EV_POLARITY; ALARM/NOALARM -> one EV_ALARM per DAHDI span with
 *        chan = -(DAHDI span number), a = DAHDI_ALARM_* bits, text = their names ("OK": cleared).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "engine_private.h"
#include "pri.h"
#include "r2.h"

#if defined(__has_include)
#if __has_include(<dahdi/user.h>)
#define HAVE_DAHDI 1
#endif
#endif

#ifdef HAVE_DAHDI
#include <dahdi/user.h>

#define FIFO_FRAMES 16          /* at most 320 ms of 20 ms frames waiting for the engine */
#define TX_LEAD_FRAMES 3        /* silence written ahead of the engine's audio: 60 ms of slack */
#define STALL_FRAMES 6          /* a tick this late: the engine skipped time, the lead ran out */
#define PRIME_FRAMES 2          /* hand audio out once this many frames wait */
#define KERNEL_BUFS 32

typedef struct {
    int fd;
    int channo, spanno, sigtype;
    int chanpos;                /* position in its DAHDI span: the E1 timeslot */
    int kind;
    int bps;                    /* bytes a sample: 1 (G.711) or 2 (linear) */
    int block;                  /* bytes a DAHDI block */
    int last_rxbits;            /* -1: not known yet */
    int polarity;
    int phone_offhook;          /* fxo-signalled port: the phone is off hook (as DAHDI told) */
    int ring_begun;             /* fxs-signalled port: RINGBEGIN told, its RINGOFFHOOK not yet */
    int line_feed;              /* an analog card's port (not a dahdi_dynamic span): on-hook transfer applies */
    int primed;
    int64_t tx_tick;            /* the engine tick of the last frame sent, -1 none yet */
    uint8_t silence;            /* one byte of silence in the channel's coding */
    uint8_t *fifo;
    int fifo_cap, fifo_len;     /* bytes */
    int64_t rx_underruns, rx_dropped, tx_dropped, events;
} dahdi_chan_t;

typedef struct {
    int nchans;
    dahdi_chan_t *ch;           /* per channel, in engine channel order */
    int nspans;
    int spanno[64];             /* DAHDI spans seen on this engine span */
    int alarms[64];             /* last alarm bits emitted, -1 none yet */
    int checked;
    int64_t last_tick_ns;       /* monotonic time of the last tick, 0 before the first */
    int stalled;                /* this tick follows a stall: every channel's lead is gone */
    pri_span_t *pri;            /* ISDN PRI on these B-channels (pri.c), or NULL */
    r2_span_t *r2;              /* MFC-R2 on these CAS channels (r2.c), or NULL; line i = channel i */
} dahdi_span_t;

static const struct {
    int bit;
    const char *name;
} alarm_names[] = {
    {DAHDI_ALARM_RED, "RED"}, {DAHDI_ALARM_YELLOW, "YELLOW"}, {DAHDI_ALARM_BLUE, "BLUE"},
    {DAHDI_ALARM_LOOPBACK, "LOOPBACK"}, {DAHDI_ALARM_RECOVER, "RECOVER"},
    {DAHDI_ALARM_NOTOPEN, "NOTOPEN"}, {DAHDI_ALARM_LOS, "LOS"}, {DAHDI_ALARM_LFA, "LFA"},
    {DAHDI_ALARM_LMFA, "LMFA"}, {ENG_ALARM_DCHAN, "DCHAN"},
};

static void alarm_text(int bits, char *out, size_t len)
{
    size_t i, used = 0;

    out[0] = '\0';
    if (!bits) {
        snprintf(out, len, "OK");
        return;
    }
    for (i = 0; i < sizeof(alarm_names) / sizeof(alarm_names[0]); i++) {
        if (bits & alarm_names[i].bit) {
            int n = snprintf(out + used, len - used, "%s%s", used ? "," : "", alarm_names[i].name);
            if (n < 0 || (size_t) n >= len - used)
                break;
            used += (size_t) n;
        }
    }
}

/* DAHDI signalling types as system.conf spells them; most specific first (several are
 * supersets of others' bits). */
static const struct {
    int sig;
    const char *name;
} sig_names[] = {
    {DAHDI_SIG_FXSLS, "fxsls"}, {DAHDI_SIG_FXSGS, "fxsgs"}, {DAHDI_SIG_FXSKS, "fxsks"},
    {DAHDI_SIG_FXOLS, "fxols"}, {DAHDI_SIG_FXOGS, "fxogs"}, {DAHDI_SIG_FXOKS, "fxoks"},
    {DAHDI_SIG_EM, "e&m"}, {DAHDI_SIG_EM_E1, "e&me1"}, {DAHDI_SIG_CAS, "cas"}, {DAHDI_SIG_SF, "sf"},
    {DAHDI_SIG_MTP2, "mtp2"}, {DAHDI_SIG_HARDHDLC, "hardhdlc"}, {DAHDI_SIG_HDLCNET, "nethdlc"},
    {DAHDI_SIG_HDLCFCS, "fcshdlc"}, {DAHDI_SIG_HDLCRAW, "rawhdlc"}, {DAHDI_SIG_DACS_RBS, "dacsrbs"},
    {DAHDI_SIG_DACS, "dacs"}, {DAHDI_SIG_CLEAR, "clear"},
};

static const char *sig_name(int sig)
{
    size_t i;
    for (i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
        if (sig == sig_names[i].sig)
            return sig_names[i].name;
    return sig ? "other" : "";
}

/* The signalling a port can take (its sigcap), as a comma-separated list of names. */
static void sig_caps(int sigcap, char *out, size_t len)
{
    size_t i, used = 0;

    out[0] = '\0';
    for (i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++) {
        if ((sigcap & sig_names[i].sig) == sig_names[i].sig) {
            int n = snprintf(out + used, len - used, "%s%s", used ? "," : "", sig_names[i].name);
            if (n < 0 || (size_t) n >= len - used)
                break;
            used += (size_t) n;
        }
    }
}

static void lineconfig_text(int lc, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s%s%s%s%s", lc & DAHDI_CONFIG_CCS ? "ccs" : (lc ? "cas" : ""),
             lc & DAHDI_CONFIG_HDB3 ? ",hdb3" : "", lc & DAHDI_CONFIG_AMI ? ",ami" : "",
             lc & DAHDI_CONFIG_B8ZS ? ",b8zs" : "", lc & DAHDI_CONFIG_D4 ? ",d4" : "",
             lc & DAHDI_CONFIG_ESF ? ",esf" : "", lc & DAHDI_CONFIG_CRC4 ? ",crc4" : "");
}

static int kind_of_sig(int sig)
{
    if ((sig & __DAHDI_SIG_FXS) == __DAHDI_SIG_FXS)
        return ENG_KIND_FXO;        /* FXS signalling faces the exchange: a trunk port */
    if ((sig & __DAHDI_SIG_FXO) == __DAHDI_SIG_FXO)
        return ENG_KIND_FXS;        /* FXO signalling drives a phone */
    return ENG_KIND_E1;
}

static int span_slot(dahdi_span_t *ds, int spanno)
{
    int i;
    for (i = 0; i < ds->nspans; i++)
        if (ds->spanno[i] == spanno)
            return i;
    if (ds->nspans >= 64)
        return -1;
    ds->spanno[ds->nspans] = spanno;
    ds->alarms[ds->nspans] = -1;
    return ds->nspans++;
}

static int spanstat(int fd, int spanno, struct dahdi_spaninfo *si)
{
    memset(si, 0, sizeof(*si));
    si->spanno = spanno;
    return ioctl(fd, DAHDI_SPANSTAT, si);
}

/* Look the span's alarms up and emit EV_ALARM when they differ from the last ones told. */
static void check_alarms(engine_t *e, dahdi_span_t *ds, dahdi_chan_t *dc)
{
    struct dahdi_spaninfo si;
    char text[64];
    int slot = span_slot(ds, dc->spanno);

    if (slot < 0 || spanstat(dc->fd, dc->spanno, &si) < 0)
        return;
    if (ds->pri)
        si.alarms |= pri_span_alarm_bits(ds->pri);     /* a PRI span's D-channel down blocks its lines too */
    /* the first look tells only an alarm, except on a PRI span, whose D-channel state is always told */
    if (si.alarms == ds->alarms[slot] || (ds->alarms[slot] == -1 && si.alarms == 0 && !ds->pri)) {
        ds->alarms[slot] = si.alarms;
        return;
    }
    ds->alarms[slot] = si.alarms;
    alarm_text(si.alarms, text, sizeof(text));
    eng_emit(e, EV_ALARM, -dc->spanno, 0, si.alarms, 0, 0, 0, text);
}

static void on_event(engine_t *e, dahdi_span_t *ds, chan_t *c, dahdi_chan_t *dc, int ev)
{
    int bits;

    dc->events++;
    switch (ev) {
    case DAHDI_EVENT_RINGBEGIN:
        if (dc->kind == ENG_KIND_FXO) {
            dc->ring_begun = 1;
            eng_emit(e, EV_RING, c->id, 0, 1, 0, 0, 0, NULL);
        }
        break;
    case DAHDI_EVENT_RINGOFFHOOK:
        if (dc->kind == ENG_KIND_FXO) {
            /* the end of a burst whose start was told, or the only word of one that was not */
            eng_emit(e, EV_RING, c->id, 0, dc->ring_begun ? 0 : 1, 0, 0, 0, NULL);
            dc->ring_begun = 0;
            break;
        }
        if (dc->kind == ENG_KIND_FXS) {
            /* The phone answered or was lifted: hold the port in DAHDI's talking state, which
             * stops a ringing cadence and lets a later on-hook give the kewlstart open loop
             * (from DAHDI's on-hook state the port would only go quiet). */
            int x = DAHDI_OFFHOOK;
            dc->phone_offhook = 1;
            if (ioctl(dc->fd, DAHDI_HOOK, &x) < 0 && errno != EINPROGRESS)
                eng_emit(e, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, "dahdi: could not take the answered phone port off hook");
        }
        eng_emit(e, EV_HOOK, c->id, 0, ENG_HOOK_OFF, 0, 0, 0, NULL);
        break;
    case DAHDI_EVENT_ONHOOK:
        if (dc->kind == ENG_KIND_FXS && dc->phone_offhook) {
            /* The phone hung up: the port leaves the talking state it was put in when the phone
             * went off hook (DAHDI rings a port only from its on-hook state). With the phone
             * already on hook DAHDI drops no battery for this. */
            int x = DAHDI_ONHOOK;
            if (ioctl(dc->fd, DAHDI_HOOK, &x) < 0 && errno != EINPROGRESS)
                eng_emit(e, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, "dahdi: could not put the phone port back on hook");
        }
        dc->phone_offhook = 0;
        dc->ring_begun = 0;
        eng_emit(e, EV_HOOK, c->id, 0, dc->kind == ENG_KIND_FXO ? ENG_HOOK_OPEN_LOOP : ENG_HOOK_ON,
                 0, 0, 0, NULL);
        break;
    case DAHDI_EVENT_WINKFLASH:
        eng_emit(e, EV_HOOK, c->id, 0, ENG_HOOK_FLASH, 0, 0, 0, NULL);
        break;
    case DAHDI_EVENT_POLARITY:
        eng_emit(e, EV_POLARITY, c->id, 0, 0, 0, 0, 0, NULL);
        break;
    case DAHDI_EVENT_BITSCHANGED:
        if (ioctl(dc->fd, DAHDI_GETRXBITS, &bits) == 0) {
            bits &= 0xF;
            if (bits != dc->last_rxbits) {
                dc->last_rxbits = bits;
                eng_emit(e, EV_CAS, c->id, 0, bits, 0, 0, 0, NULL);
            }
        }
        break;
    case DAHDI_EVENT_ALARM:
    case DAHDI_EVENT_NOALARM:
        check_alarms(e, ds, dc);
        break;
    default:
        break;                  /* RINGERON/OFF, HOOKCOMPLETE, DIALCOMPLETE ...: our own doing */
    }
}

/* Drain one descriptor: events, then every block waiting, into the FIFO. */
static void drain(engine_t *e, dahdi_span_t *ds, chan_t *c, dahdi_chan_t *dc)
{
    uint8_t block[MAX_FRAME * 2];
    int guard = 4 * KERNEL_BUFS;

    while (guard-- > 0) {
        ssize_t got = read(dc->fd, block, (size_t) dc->block);
        if (got < 0) {
            int ev;
            if (errno == ELAST) {
                if (ds->r2)
                    r2_span_event(ds->r2, c->id - c->span->first_chan);     /* openr2's: CAS bits, alarms */
                else if (ioctl(dc->fd, DAHDI_GETEVENT, &ev) == 0)
                    on_event(e, ds, c, dc, ev);
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN) {
                char msg[96];
                snprintf(msg, sizeof(msg), "dahdi channel %d: read failed: %s", dc->channo, strerror(errno));
                eng_emit(e, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, msg);
            }
            break;
        }
        if (got == 0)
            break;
        if (dc->fifo_len + got > dc->fifo_cap) {
            /* the engine fell far behind the card: keep the newest audio */
            int drop = dc->fifo_len + (int) got - dc->fifo_cap;
            memmove(dc->fifo, dc->fifo + drop, (size_t) (dc->fifo_len - drop));
            dc->fifo_len -= drop;
            dc->rx_dropped += drop;
        }
        memcpy(dc->fifo + dc->fifo_len, block, (size_t) got);
        dc->fifo_len += (int) got;
    }
}

/* A channel the engine does not read this tick (idle, nothing to detect) keeps only its newest
 * audio: otherwise its FIFO would fill up while idle and the call that follows would hear it
 * late, with the FIFO at its limit dropping audio at the first jitter. */
static void keep_newest(dahdi_chan_t *dc, int bytes)
{
    if (dc->fifo_len > bytes) {
        memmove(dc->fifo, dc->fifo + dc->fifo_len - bytes, (size_t) bytes);
        dc->fifo_len = bytes;
    }
}

/* Write frames of silence ahead of the engine's audio (see the top of this file). */
static void write_lead(engine_t *e, dahdi_chan_t *dc, int frames)
{
    uint8_t block[MAX_FRAME * 2];
    int i;

    memset(block, dc->bps == 1 ? dc->silence : 0, (size_t) dc->block);
    for (i = 0; i < frames * (e->frame * dc->bps / dc->block); i++)
        if (write(dc->fd, block, (size_t) dc->block) <= 0)
            break;              /* full, or an event waits: the lead is what fitted */
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void dahdi_tick_begin(span_t *s)
{
    dahdi_span_t *ds = s->drv;
    engine_t *e = s->eng;
    int64_t t = now_ns(), frame_ns = (int64_t) e->frame * 125000;
    int i;

    ds->stalled = ds->last_tick_ns != 0 && t - ds->last_tick_ns > STALL_FRAMES * frame_ns;
    ds->last_tick_ns = t;
    for (i = 0; i < ds->nchans; i++) {
        chan_t *c = e->chans[s->first_chan + i];
        if (!ds->checked)
            check_alarms(e, ds, &ds->ch[i]);
        if (ds->r2 && r2_span_poll(ds->r2, i))
            ds->ch[i].fifo_len = 0;     /* register signalling: openr2 read the line's audio itself */
        else
            drain(e, ds, c, &ds->ch[i]);
        if (!chan_is_active(c))
            keep_newest(&ds->ch[i], PRIME_FRAMES * e->frame * ds->ch[i].bps);
    }
    ds->checked = 1;
    if (ds->pri && pri_span_take_change(ds->pri) && ds->nchans > 0)
        check_alarms(e, ds, &ds->ch[0]);
    if (ds->r2 && r2_span_take_alarm(ds->r2) && ds->nchans > 0)
        check_alarms(e, ds, &ds->ch[0]);
}

static int dahdi_read(span_t *s, chan_t *c, uint8_t *buf, int n)
{
    dahdi_chan_t *dc = c->drv;
    int bytes = n * dc->bps;

    (void) s;
    if (!dc->primed) {
        if (dc->fifo_len < PRIME_FRAMES * bytes)
            return 0;
        dc->primed = 1;
    }
    if (dc->fifo_len < bytes) {
        dc->primed = 0;
        dc->rx_underruns++;
        return 0;
    }
    memcpy(buf, dc->fifo, (size_t) bytes);
    dc->fifo_len -= bytes;
    memmove(dc->fifo, dc->fifo + bytes, (size_t) dc->fifo_len);
    return n;
}

/* Frames of silence the kernel's queue needs before this tick's frame to hold the lead again: all
 * of it for a first frame or after a stall, else what the card sent while the engine did not write
 * (one frame a tick it skipped), up to the lead. */
static int lead_used_up(const dahdi_span_t *ds, const dahdi_chan_t *dc, int64_t tick)
{
    int64_t skipped = tick - dc->tx_tick - 1;

    if (dc->tx_tick < 0 || ds->stalled)
        return TX_LEAD_FRAMES;
    return skipped < TX_LEAD_FRAMES ? (int) skipped : TX_LEAD_FRAMES;
}

static int dahdi_write(span_t *s, chan_t *c, const uint8_t *buf, int n)
{
    dahdi_chan_t *dc = c->drv;
    dahdi_span_t *ds = s->drv;
    int bytes = n * dc->bps, off = 0, lead;

    if (ds->r2 && r2_span_take_flush(ds->r2, c->id - s->first_chan))
        dc->tx_tick = -1;       /* openr2 emptied the kernel's queue as an MF tone ended: the lead again */
    lead = lead_used_up(ds, dc, s->eng->tick);

    if (lead > 0)
        write_lead(s->eng, dc, lead);
    dc->tx_tick = s->eng->tick;
    while (off < bytes) {
        int len = bytes - off < dc->block ? bytes - off : dc->block;
        ssize_t put = write(dc->fd, buf + off, (size_t) len);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0 && errno == ELAST) {
            /* an event is waiting: tick_begin reads it; the kernel refuses audio until then */
            dc->tx_dropped += bytes - off;
            break;
        }
        if (put <= 0) {
            dc->tx_dropped += bytes - off;      /* kernel buffers full (EAGAIN): drop the rest */
            break;
        }
        off += (int) put;
    }
    return n;
}

static int dahdi_hook(span_t *s, chan_t *c, int state)
{
    dahdi_chan_t *dc = c->drv;
    int x;
    char msg[96];

    switch (state) {
    case ENG_HOOK_ON:
    case ENG_HOOK_OPEN_LOOP:   /* on an fxo-signalled port, on hook while the phone is off = the kewl */
        x = DAHDI_ONHOOK;
        break;
    case ENG_HOOK_OFF:
        x = DAHDI_OFFHOOK;
        break;
    case ENG_HOOK_RING_ON:
        x = DAHDI_RING;
        break;
    case ENG_HOOK_RING_OFF:
        if (dc->phone_offhook)
            return 0;           /* answered: the ringing already stopped, the port stays off hook */
        x = DAHDI_RINGOFF;
        break;
    case ENG_HOOK_FLASH:
        x = DAHDI_FLASH;
        break;
    case ENG_HOOK_POLARITY:
        dc->polarity = !dc->polarity;
        if (ioctl(dc->fd, DAHDI_SETPOLARITY, &dc->polarity) < 0) {
            snprintf(msg, sizeof(msg), "dahdi channel %d: polarity reversal: %s", dc->channo, strerror(errno));
            eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, msg);
            return ENG_ESYS;
        }
        return 0;
    default:
        return ENG_EINVAL;
    }
    if (ioctl(dc->fd, DAHDI_HOOK, &x) < 0 && errno != EINPROGRESS) {
        snprintf(msg, sizeof(msg), "dahdi channel %d: hook state %d: %s", dc->channo, state, strerror(errno));
        eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, msg);
        return ENG_ESYS;
    }
    return 0;
}

static int dahdi_cas(span_t *s, chan_t *c, int bits)
{
    dahdi_chan_t *dc = c->drv;
    dahdi_span_t *ds = s->drv;
    int x = bits & 0xF;

    if (ds->r2) {
        eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_ESTATE, 0, 0, 0, "cas: openr2 sends this MFC-R2 line's bits");
        return 0;
    }
    if (ioctl(dc->fd, DAHDI_SETTXBITS, &x) < 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "dahdi channel %d: CAS bits: %s", dc->channo, strerror(errno));
        eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, msg);
        return ENG_ESYS;
    }
    return 0;
}

/* FSK to a phone on hook (message waiting): the card's port is put in on-hook
 * transmission for the burst, as chan_dahdi does. Drivers without the ioctl say ENOTTY. */
static int dahdi_onhook_transfer(span_t *s, chan_t *c, int ms)
{
    dahdi_chan_t *dc = c->drv;
    char msg[112];
    int x = ms;

    if (!(dc->sigtype & __DAHDI_SIG_FXO) || dc->phone_offhook || !dc->line_feed)
        return 0;               /* not a phone port, the phone hears us anyway, or no line feed */
    if (ioctl(dc->fd, DAHDI_ONHOOKTRANSFER, &x) == 0 || errno == ENOTTY || errno == EINVAL || errno == EBUSY)
        return 0;
    snprintf(msg, sizeof(msg), "dahdi channel %d: on-hook transfer: %s", dc->channo, strerror(errno));
    eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, msg);
    return ENG_ESYS;
}

/* The card's message-waiting indicator (neon lamp, high voltage, line reversal): the
 * card's driver does it (wctdm24xxp and kin); others say ENOTTY. */
static int dahdi_vmwi(span_t *s, chan_t *c, int how, int messages)
{
    dahdi_chan_t *dc = c->drv;
    struct dahdi_vmwi_info info;
    char msg[140];
    int x = messages;

    memset(&info, 0, sizeof(info));
    info.vmwi_type = (how & ENG_VMWI_LREV ? DAHDI_VMWI_LREV : 0) | (how & ENG_VMWI_HVDC ? DAHDI_VMWI_HVDC : 0)
        | (how & ENG_VMWI_HVAC ? DAHDI_VMWI_HVAC : 0);
    if (!(dc->sigtype & __DAHDI_SIG_FXO)) {
        snprintf(msg, sizeof(msg), "dahdi channel %d: message waiting: not a phone port", dc->channo);
        eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_EINVAL, 0, 0, 0, msg);
        return ENG_EINVAL;
    }
    if (ioctl(dc->fd, DAHDI_VMWI_CONFIG, &info) < 0 || ioctl(dc->fd, DAHDI_VMWI, &x) < 0) {
        snprintf(msg, sizeof(msg), "dahdi channel %d: message waiting indicator: %s", dc->channo,
                 errno == ENOTTY ? "the card's driver has none (use FSK)" : strerror(errno));
        eng_emit(s->eng, EV_ERROR, c->id, 0, ENG_ESYS, 0, 0, 0, msg);
        return ENG_ESYS;
    }
    return 0;
}

/* A signalling message for a PRI B-channel: to the span's libpri thread. */
static int dahdi_sigmsg(span_t *s, chan_t *c, const char *msg)
{
    dahdi_span_t *ds = s->drv;
    dahdi_chan_t *dc = c->drv;

    if (ds->r2)
        return r2_span_command(ds->r2, c->id - s->first_chan, msg);
    if (!ds->pri)
        return ENG_EINVAL;      /* no call control on these channels (raw CAS, analog): "not supported" */
    return pri_span_command(ds->pri, dc->chanpos, msg);
}

static void dahdi_free(span_t *s)
{
    dahdi_span_t *ds = s->drv;
    int i;

    pri_span_free(ds->pri);
    r2_span_free(ds->r2);

    for (i = 0; i < ds->nchans; i++) {
        if (ds->ch[i].fd >= 0)
            close(ds->ch[i].fd);
        free(ds->ch[i].fifo);
    }
    free(ds->ch);
    free(ds);
}

static const driver_ops_t dahdi_driver_ops = {
    .name = "dahdi",
    .read = dahdi_read,
    .write = dahdi_write,
    .hook = dahdi_hook,
    .cas = dahdi_cas,
    .sigmsg = dahdi_sigmsg,
    .tick_begin = dahdi_tick_begin,
    .tick_end = NULL,
    .free = dahdi_free,
    .onhook_transfer = dahdi_onhook_transfer,
    .vmwi = dahdi_vmwi,
};

/* Open and set up one channel; on failure the engine's error says what and where. */
static int open_channel(engine_t *e, dahdi_chan_t *dc, int channo, int codec, int blocksize)
{
    struct dahdi_params p;
    struct dahdi_bufferinfo bi;
    int x;

    dc->fd = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (dc->fd < 0) {
        eng_set_error(e, "dahdi channel %d: open /dev/dahdi/channel: %s (are the dahdi modules loaded?)",
                      channo, strerror(errno));
        return ENG_ESYS;
    }
#define TRY(call, what)                                                                      \
    do {                                                                                     \
        if ((call) < 0) {                                                                    \
            eng_set_error(e, "dahdi channel %d: %s: %s", channo, what, strerror(errno));     \
            return ENG_ESYS;                                                                 \
        }                                                                                    \
    } while (0)
    x = channo;
    TRY(ioctl(dc->fd, DAHDI_SPECIFY, &x), "DAHDI_SPECIFY (no such channel?)");
    memset(&p, 0, sizeof(p));
    TRY(ioctl(dc->fd, DAHDI_GET_PARAMS, &p), "DAHDI_GET_PARAMS");
    if (p.sigtype == 0) {
        eng_set_error(e, "dahdi channel %d: not configured (no signalling in /etc/dahdi/system.conf; run dahdi_cfg)",
                      channo);
        return ENG_EINVAL;
    }
    x = blocksize;
    TRY(ioctl(dc->fd, DAHDI_SET_BLOCKSIZE, &x), "DAHDI_SET_BLOCKSIZE");
    memset(&bi, 0, sizeof(bi));
    bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.numbufs = KERNEL_BUFS;
    bi.bufsize = blocksize;
    TRY(ioctl(dc->fd, DAHDI_SET_BUFINFO, &bi), "DAHDI_SET_BUFINFO");
    if (codec == ENG_CODEC_LINEAR) {
        x = 1;
        TRY(ioctl(dc->fd, DAHDI_SETLINEAR, &x), "DAHDI_SETLINEAR");
    } else {
        x = codec == ENG_CODEC_ALAW ? DAHDI_LAW_ALAW : DAHDI_LAW_MULAW;
        TRY(ioctl(dc->fd, DAHDI_SETLAW, &x), "DAHDI_SETLAW");
    }
#undef TRY
    dc->channo = channo;
    dc->spanno = p.spanno;
    dc->chanpos = p.chanpos;
    dc->sigtype = p.sigtype;
    {
        /* dahdi_dynamic spans (TDMoE, loc) have no line feed to switch, and on the loc loopback
         * DAHDI_ONHOOKTRANSFER lost FSK bursts: it is asked only of real cards' ports. */
        struct dahdi_spaninfo si;
        dc->line_feed = !(spanstat(dc->fd, p.spanno, &si) == 0 && strncmp(si.name, "DYN/", 4) == 0);
    }
    dc->kind = kind_of_sig(p.sigtype);
    dc->bps = codec_bytes_per_sample(codec);
    dc->silence = codec == ENG_CODEC_ALAW ? 0xD5 : 0xFF;
    dc->block = blocksize * dc->bps;
    dc->last_rxbits = -1;
    if (ioctl(dc->fd, DAHDI_GETRXBITS, &x) == 0)
        dc->last_rxbits = x & 0xF;
    return 0;
}

int eng_dahdi_span(engine_t *e, const int *channos, int nchans, int codec, int zone, int blocksize)
{
    dahdi_span_t *ds;
    span_t *s;
    int i, rc, first;

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "dahdi span: the engine is running");
    if (blocksize == 0)
        blocksize = e->frame;
    if (!channos || nchans < 1 || codec < ENG_CODEC_ALAW || codec > ENG_CODEC_LINEAR || zone < 0
        || zone >= MAX_ZONES || blocksize < 8 || blocksize > e->frame || e->frame % blocksize) {
        eng_set_error(e, "dahdi span: bad arguments (block size must divide the %d-sample frame)", e->frame);
        return ENG_EINVAL;
    }
    if (e->nchans + (int64_t) nchans > e->max_channels) {
        eng_set_error(e, "dahdi span of %d channels: only %d engine channels left", nchans,
                      e->max_channels - e->nchans);
        return ENG_ENOMEM;
    }
    if ((ds = calloc(1, sizeof(*ds))) == NULL || (ds->ch = calloc((size_t) nchans, sizeof(*ds->ch))) == NULL) {
        free(ds);
        return ENG_ENOMEM;
    }
    ds->nchans = nchans;
    for (i = 0; i < nchans; i++) {
        ds->ch[i].fd = -1;
        ds->ch[i].tx_tick = -1;
    }
    for (i = 0; i < nchans; i++) {
        dahdi_chan_t *dc = &ds->ch[i];
        if ((rc = open_channel(e, dc, channos[i], codec, blocksize)) < 0)
            goto fail;
        dc->fifo_cap = FIFO_FRAMES * e->frame * dc->bps;
        if ((dc->fifo = malloc((size_t) dc->fifo_cap)) == NULL) {
            rc = ENG_ENOMEM;
            goto fail;
        }
    }
    if ((s = eng_new_span(e, &dahdi_driver_ops, ds)) == NULL) {
        rc = ENG_ENOMEM;
        goto fail;
    }
    first = e->nchans;
    for (i = 0; i < nchans; i++) {
        chan_t *c = eng_new_channel(e, s, ds->ch[i].kind, codec, zone);
        c->drv = &ds->ch[i];
    }
    return first;

fail:
    for (i = 0; i < nchans; i++) {
        if (ds->ch[i].fd >= 0)
            close(ds->ch[i].fd);
        free(ds->ch[i].fifo);
    }
    free(ds->ch);
    free(ds);
    return rc;
}

static dahdi_chan_t *dahdi_of(engine_t *e, int chan)
{
    chan_t *c = eng_chan(e, chan);
    if (!c || c->span->ops != &dahdi_driver_ops)
        return NULL;
    return c->drv;
}

int eng_dahdi_pri(engine_t *e, int chan, int dchan, const char *side, const char *switchtype, const char *options)
{
    chan_t *c;
    dahdi_span_t *ds;
    int map[32], i, nts = 0;
    char err[200];

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "pri: the engine is running (attach PRI before eng_start)");
    if (!dahdi_of(e, chan))
        return eng_fail(e, ENG_ENOCHAN, "pri: engine channel %d is not a DAHDI channel", chan);
    if (!pri_available())
        return eng_fail(e, ENG_ESTATE, "pri: this engine was built without libpri (install Debian's libpri-dev "
                        "and rebuild)");
    c = eng_chan(e, chan);
    ds = c->span->drv;
    if (ds->pri)
        return eng_fail(e, ENG_EBUSY, "pri: that span already runs PRI");
    for (i = 0; i < 32; i++)
        map[i] = -1;
    for (i = 0; i < ds->nchans; i++) {
        dahdi_chan_t *dc = &ds->ch[i];
        if (dc->spanno != ds->ch[0].spanno || dc->chanpos < 1 || dc->chanpos > 31 || map[dc->chanpos] >= 0)
            return eng_fail(e, ENG_EINVAL, "pri: DAHDI channel %d: a PRI's B-channels are timeslots 1-31 of one "
                            "DAHDI span", dc->channo);
        if (dc->channo == dchan)
            return eng_fail(e, ENG_EINVAL, "pri: DAHDI channel %d is the D-channel, not a B-channel", dchan);
        map[dc->chanpos] = c->span->first_chan + i;
        if (dc->chanpos + 1 > nts)
            nts = dc->chanpos + 1;
    }
    if ((ds->pri = pri_span_new(e, dchan, side, switchtype, options, map, 32, err, sizeof(err))) == NULL)
        return eng_fail(e, ENG_EINVAL, "%s", err);
    (void) nts;
    return 0;
}

int eng_dahdi_r2(engine_t *e, int chan, const char *variant, int max_ani, int max_dnis, const char *category,
                 const char *timers)
{
    chan_t *c;
    dahdi_span_t *ds;
    r2_line_t *lines;
    char err[240];
    int i;

    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "r2: the engine is running (attach MFC-R2 before eng_start)");
    if (!dahdi_of(e, chan))
        return eng_fail(e, ENG_ENOCHAN, "r2: engine channel %d is not a DAHDI channel", chan);
    if (!r2_available())
        return eng_fail(e, ENG_ESTATE, "r2: this engine was built without openr2 (install Debian's "
                        "libopenr2-dev and rebuild)");
    c = eng_chan(e, chan);
    ds = c->span->drv;
    if (ds->r2 || ds->pri)
        return eng_fail(e, ENG_EBUSY, "r2: that span already runs %s", ds->r2 ? "MFC-R2" : "PRI");
    for (i = 0; i < ds->nchans; i++) {
        dahdi_chan_t *dc = &ds->ch[i];
        if (dc->sigtype != DAHDI_SIG_CAS)
            return eng_fail(e, ENG_EINVAL, "r2: DAHDI channel %d is not a CAS channel (system.conf: cas=%d:1101, "
                            "then run dahdi_cfg)", dc->channo, dc->channo);
        if (e->chans[c->span->first_chan + i]->codec != ENG_CODEC_ALAW)
            return eng_fail(e, ENG_EINVAL, "r2: MFC-R2 lines carry A-law (the span's codec must be alaw)");
    }
    if ((lines = calloc((size_t) (ds->nchans > 0 ? ds->nchans : 1), sizeof(*lines))) == NULL)
        return eng_fail(e, ENG_ENOMEM, "r2: out of memory");
    for (i = 0; i < ds->nchans; i++) {
        lines[i].fd = ds->ch[i].fd;
        lines[i].chan = c->span->first_chan + i;
        lines[i].chanpos = ds->ch[i].chanpos;
    }
    ds->r2 = r2_span_new(e, lines, ds->nchans, variant, max_ani, max_dnis, category, timers, err, sizeof(err));
    free(lines);
    if (!ds->r2)
        return eng_fail(e, ENG_EINVAL, "%s", err);
    /* openr2 set its own 4 kernel buffers (and unity gains): the driver's buffering again */
    for (i = 0; i < ds->nchans; i++) {
        dahdi_chan_t *dc = &ds->ch[i];
        struct dahdi_bufferinfo bi;
        memset(&bi, 0, sizeof(bi));
        bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
        bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
        bi.numbufs = KERNEL_BUFS;
        bi.bufsize = dc->block / dc->bps;
        if (ioctl(dc->fd, DAHDI_SET_BUFINFO, &bi) < 0) {
            r2_span_free(ds->r2);
            ds->r2 = NULL;
            return eng_fail(e, ENG_ESYS, "r2: DAHDI channel %d: DAHDI_SET_BUFINFO: %s", dc->channo, strerror(errno));
        }
    }
    return 0;
}

int eng_dahdi_chan_info(engine_t *e, int chan, eng_dahdi_chan_t *out)
{
    eng_clear_error(e);
    dahdi_chan_t *dc = dahdi_of(e, chan);
    if (!dc || !out)
        return ENG_ENOCHAN;
    memset(out, 0, sizeof(*out));
    out->channo = dc->channo;
    out->spanno = dc->spanno;
    out->sigtype = dc->sigtype;
    snprintf(out->signalling, sizeof(out->signalling), "%s", sig_name(dc->sigtype));
    out->rx_underruns = dc->rx_underruns;
    out->rx_dropped_bytes = dc->rx_dropped;
    out->tx_dropped_bytes = dc->tx_dropped;
    out->events = dc->events;
    return 0;
}

int eng_dahdi_span_status(engine_t *e, int spanno, eng_span_status_t *st)
{
    eng_clear_error(e);
    struct dahdi_spaninfo si;
    int fd, rc;

    if (!st || spanno < 1)
        return ENG_EINVAL;
    if ((fd = open("/dev/dahdi/ctl", O_RDWR | O_CLOEXEC)) < 0) {
        eng_set_error(e, "open /dev/dahdi/ctl: %s (are the dahdi modules loaded?)", strerror(errno));
        return ENG_ESYS;
    }
    rc = spanstat(fd, spanno, &si);
    close(fd);
    if (rc < 0) {
        eng_set_error(e, "DAHDI_SPANSTAT span %d: %s", spanno, strerror(errno));
        return errno == EINVAL ? ENG_ENOENT : ENG_ESYS;
    }
    memset(st, 0, sizeof(*st));
    st->spanno = si.spanno;
    st->alarms = si.alarms;
    alarm_text(si.alarms, st->alarm_text, sizeof(st->alarm_text));
    snprintf(st->name, sizeof(st->name), "%.*s", (int) sizeof(si.name), si.name);
    snprintf(st->desc, sizeof(st->desc), "%.*s", (int) sizeof(si.desc), si.desc);
    st->numchans = si.numchans;
    st->totalchans = si.totalchans;
    st->syncsrc = si.syncsrc;
    st->irqmisses = si.irqmisses;
    st->bpvcount = si.bpvcount;
    st->crc4count = si.crc4count;
    st->ebitcount = si.ebitcount;
    st->fascount = si.fascount;
    st->fecount = si.fecount;
    st->cvcount = si.cvcount;
    st->becount = si.becount;
    st->errsec = si.errsec;
    snprintf(st->spantype, sizeof(st->spantype), "%.*s", (int) sizeof(si.spantype), si.spantype);
    if (si.linecompat)
        lineconfig_text(si.lineconfig, st->lineconfig, sizeof(st->lineconfig));
    snprintf(st->lboname, sizeof(st->lboname), "%.*s", (int) sizeof(si.lboname), si.lboname);
    snprintf(st->location, sizeof(st->location), "%.*s", (int) sizeof(si.location), si.location);
    snprintf(st->manufacturer, sizeof(st->manufacturer), "%.*s", (int) sizeof(si.manufacturer), si.manufacturer);
    snprintf(st->devicetype, sizeof(st->devicetype), "%.*s", (int) sizeof(si.devicetype), si.devicetype);
    st->lbo = si.lbo;
    st->irq = si.irq;
    st->totalspans = si.totalspans;
    return 0;
}

int eng_dahdi_params(engine_t *e, int channo, eng_dahdi_params_t *out)
{
    eng_clear_error(e);
    struct dahdi_params p;
    int fd, rc, err;

    if (!out || channo < 1 || channo > DAHDI_MAX_CHANNELS)
        return ENG_EINVAL;
    if ((fd = open("/dev/dahdi/ctl", O_RDWR | O_CLOEXEC)) < 0) {
        eng_set_error(e, "open /dev/dahdi/ctl: %s (are the dahdi modules loaded?)", strerror(errno));
        return ENG_ESYS;
    }
    memset(&p, 0, sizeof(p));
    p.channo = channo;
    rc = ioctl(fd, DAHDI_GET_PARAMS, &p);
    err = errno;
    close(fd);
    if (rc < 0) {
        eng_set_error(e, "DAHDI_GET_PARAMS channel %d: %s", channo, strerror(err));
        return err == EINVAL || err == ENXIO || err == ENODEV ? ENG_ENOENT : ENG_ESYS;
    }
    memset(out, 0, sizeof(*out));
    out->channo = p.channo;
    out->spanno = p.spanno;
    out->chanpos = p.chanpos;
    out->sigtype = p.sigtype;
    out->sigcap = p.sigcap;
    out->rxisoffhook = p.rxisoffhook;
    out->rxbits = p.rxbits;
    out->txbits = p.txbits;
    out->alaw = p.curlaw == DAHDI_LAW_ALAW;
    out->chan_alarms = p.chan_alarms;
    snprintf(out->name, sizeof(out->name), "%.*s", (int) sizeof(p.name), p.name);
    snprintf(out->signalling, sizeof(out->signalling), "%s", sig_name(p.sigtype));
    sig_caps(p.sigcap, out->caps, sizeof(out->caps));
    return 0;
}

int eng_dahdi_echocan(engine_t *e, int chan, int taps, const char *params)
{
    eng_clear_error(e);
    dahdi_chan_t *dc = dahdi_of(e, chan);
    struct {
        struct dahdi_echocanparams h;
        struct dahdi_echocanparam p[DAHDI_MAX_ECHOCANPARAMS];
    } ecp;
    const char *q = params;

    if (!dc)
        return ENG_ENOCHAN;
    if (taps < 0 || taps > 1024)
        return ENG_EINVAL;
    memset(&ecp, 0, sizeof(ecp));
    ecp.h.tap_length = (__u32) taps;
    /* params: "name=value,name=value" handed to the echo canceller module as they are */
    while (q && *q && taps) {
        const char *end = strchr(q, ','), *eq = strchr(q, '=');
        size_t nlen;
        struct dahdi_echocanparam *p;
        if (ecp.h.param_count >= DAHDI_MAX_ECHOCANPARAMS)
            return ENG_EINVAL;
        p = &ecp.p[ecp.h.param_count++];
        if (!end)
            end = q + strlen(q);
        nlen = (size_t) ((eq && eq < end ? eq : end) - q);
        if (nlen == 0 || nlen >= sizeof(p->name))
            return ENG_EINVAL;
        memcpy(p->name, q, nlen);
        p->value = eq && eq < end ? (__s32) strtol(eq + 1, NULL, 10) : 1;
        q = *end ? end + 1 : end;
    }
    if (ioctl(dc->fd, DAHDI_ECHOCANCEL_PARAMS, &ecp) < 0) {
        eng_set_error(e, "dahdi channel %d: DAHDI_ECHOCANCEL_PARAMS: %s (no echo canceller configured for it in "
                      "system.conf?)", dc->channo, strerror(errno));
        return ENG_ESYS;
    }
    return 0;
}

int eng_dahdi_gains(engine_t *e, int chan, int rx_db10, int tx_db10)
{
    eng_clear_error(e);
    dahdi_chan_t *dc = dahdi_of(e, chan);
    chan_t *c = eng_chan(e, chan);
    struct dahdi_gains g;
    struct dahdi_params p;
    double rx = pow(10.0, rx_db10 / 200.0), tx = pow(10.0, tx_db10 / 200.0);
    int i, law;

    if (!dc)
        return ENG_ENOCHAN;
    if (rx_db10 < -300 || rx_db10 > 300 || tx_db10 < -300 || tx_db10 > 300)
        return ENG_EINVAL;
    memset(&p, 0, sizeof(p));
    if (ioctl(dc->fd, DAHDI_GET_PARAMS, &p) < 0) {
        eng_set_error(e, "dahdi channel %d: DAHDI_GET_PARAMS: %s", dc->channo, strerror(errno));
        return ENG_ESYS;
    }
    /* the kernel's tables work on the channel's own law, whatever the descriptor reads */
    law = p.curlaw == DAHDI_LAW_ALAW ? ENG_CODEC_ALAW : ENG_CODEC_ULAW;
    memset(&g, 0, sizeof(g));
    for (i = 0; i < 256; i++) {
        uint8_t in = (uint8_t) i;
        int16_t lin;
        double vr, vt;
        codec_decode(e, law, &in, &lin, 1);
        vr = lin * rx;
        vt = lin * tx;
        lin = (int16_t) (vr > 32767 ? 32767 : vr < -32768 ? -32768 : vr);
        codec_encode(law, &lin, &g.rxgain[i], 1);
        lin = (int16_t) (vt > 32767 ? 32767 : vt < -32768 ? -32768 : vt);
        codec_encode(law, &lin, &g.txgain[i], 1);
    }
    (void) c;
    if (ioctl(dc->fd, DAHDI_SETGAINS, &g) < 0) {
        eng_set_error(e, "dahdi channel %d: DAHDI_SETGAINS: %s", dc->channo, strerror(errno));
        return ENG_ESYS;
    }
    return 0;
}

#else /* no <dahdi/user.h> at build time */

static int no_dahdi(engine_t *e)
{
    eng_set_error(e, "this engine was built without DAHDI headers (install Debian's dahdi-source, "
                     "which ships /usr/include/dahdi/user.h, and rebuild)");
    return ENG_ESTATE;
}

int eng_dahdi_span(engine_t *e, const int *channos, int nchans, int codec, int zone, int blocksize)
{
    (void) channos; (void) nchans; (void) codec; (void) zone; (void) blocksize;
    return no_dahdi(e);
}

int eng_dahdi_chan_info(engine_t *e, int chan, eng_dahdi_chan_t *out)
{
    eng_clear_error(e);
    (void) e; (void) chan; (void) out;
    return ENG_ENOCHAN;
}

int eng_dahdi_span_status(engine_t *e, int spanno, eng_span_status_t *st)
{
    eng_clear_error(e);
    (void) spanno; (void) st;
    return no_dahdi(e);
}

int eng_dahdi_echocan(engine_t *e, int chan, int taps, const char *params)
{
    eng_clear_error(e);
    (void) chan; (void) taps; (void) params;
    return no_dahdi(e);
}

int eng_dahdi_params(engine_t *e, int channo, eng_dahdi_params_t *out)
{
    eng_clear_error(e);
    (void) channo; (void) out;
    return no_dahdi(e);
}

int eng_dahdi_gains(engine_t *e, int chan, int rx_db10, int tx_db10)
{
    eng_clear_error(e);
    (void) chan; (void) rx_db10; (void) tx_db10;
    return no_dahdi(e);
}

int eng_dahdi_pri(engine_t *e, int chan, int dchan, const char *side, const char *switchtype, const char *options)
{
    eng_clear_error(e);
    (void) chan; (void) dchan; (void) side; (void) switchtype; (void) options;
    return no_dahdi(e);
}

int eng_dahdi_r2(engine_t *e, int chan, const char *variant, int max_ani, int max_dnis, const char *category,
                 const char *timers)
{
    eng_clear_error(e);
    (void) chan; (void) variant; (void) max_ani; (void) max_dnis; (void) category;
    return no_dahdi(e);
}

#endif
