/*
 * ISDN PRI (Q.921/Q.931, DSS1) on a DAHDI E1 span through libpri.
 *
 * The D-channel (timeslot 16, `dchan=` in system.conf: DAHDI runs the HDLC, with its FCS, in
 * software or on the card) is a descriptor of its own, owned with its libpri instance by one
 * thread per span: libpri is not thread-safe per instance, and its timers and the D-channel's
 * frames must not wait for the media tick (nor the tick for them). The media thread hands the
 * engine's signalling messages (eng_sigmsg on a B-channel) to that thread through a queue and a
 * pipe; the thread turns them into pri_* calls, and libpri's events into EV_SIGMSG events on the
 * B-channel's engine channel, in the shape the sim E1 uses (engine_events.parse_sigmsg):
 *
 *   engine -> line (EV_SIGMSG text)                  line -> engine (eng_sigmsg text)
 *   SETUP calling= called= calling_ton= calling_plan= SETUP calling= called= [calling_ton= calling_plan=
 *         called_ton= called_plan= pres= screen=           called_ton= called_plan= pres=] [complete=0] [channel=]
 *         complete=0|1 channel= exclusive=0|1             [redirecting= redirecting_reason=] (channel exclusive or
 *         [requested=N] [redirecting= redirecting_reason=] preferred as the span says; complete=0: overlap sending,
 *                                                          digits follow by INFO; redirecting: a call we forward)
 *   SETUP_ACK (our overlap SETUP acknowledged)      SETUP_ACK                     (SETUP ACKNOWLEDGE: send more)
 *   INFO digits= complete=0|1 (overlap receiving)   INFO digits=                  (INFORMATION, overlap sending)
 *   MOVED channel=N chan=C (our call follows the far end's channel choice to timeslot N, engine channel C)
 *                                                   PROCEEDING                    (CALL PROCEEDING)
 *   PROCEEDING [inband=1],                          ALERTING [inband=1]           (PROCEEDING + ALERTING; inband:
 *   PROGRESS progress= [inband=1] [cause=N],                                           progress indicator 8)
 *   ALERTING [inband=1]                             PROGRESS [cause=N]            (PI 8: we play before answering)
 *   CONNECT                                         CONNECT                       (answer)
 *   DISCONNECT cause=N [restart=1] [glare=1]         DISCONNECT cause=N            (clear, or refuse a SETUP)
 *              [refused=1] (our SETUP refused here: D-channel down, or their SETUP took the channel first)
 *   RELEASE     (our clearing is complete)          RELEASE                       (after their DISCONNECT)
 *   RESTARTED acknowledged=1|0                      RESTART                       (restart the B-channel)
 *               (the far end acknowledged our RESTART, or did not: RESTART_TRIES sent, RESTART_WAIT_MS apart)
 *
 * libpri clears calls in its own way: after our DISCONNECT the far end's RELEASE gives HANGUP_ACK
 * (the call is freed); after theirs, our RELEASE and their RELEASE COMPLETE give HANGUP, after which
 * the call is ours to free (pri_hangup once more); some causes (unallocated, congestion ...) clear a
 * call with one RELEASE COMPLETE and free it at once. The thread keeps a call pointer only while
 * libpri says the call is valid (q931_is_call_valid, exported by libpri 1.4/1.6) and tells RELEASE
 * when a call we cleared is gone. A far end's SETUP cleared before we answered anything is cleared by
 * libpri with no event at all: the thread reads the DISCONNECT / RELEASE COMPLETE in the frame itself
 * (peek_frame, on_silent_clear) and tells the line DISCONNECT cause=N.
 *
 * D-channel up/down: the media thread reads it (pri_span_alarm_bits) into the span's EV_ALARM with
 * ENG_ALARM_DCHAN, so lines are blocked while the D-channel is down as for a red alarm. A RESTART
 * from the far end ends the calls on the channels it names (DISCONNECT cause=41 restart=1); RESTART from the
 * line does the same here and asks the far end to (pri_reset). Our RESTARTs go out one at a time (libpri keeps one
 * outstanding: they share the global call reference): the next when the far end acknowledged the last (the line
 * is told RESTARTED) or gave no answer to RESTART_TRIES of them, RESTART_WAIT_MS apart. A channel waiting its turn that a call takes first
 * (our SETUP or theirs) is not restarted; a D-channel going down drops the restarts not yet acknowledged.
 *
 * Glare (both ends seize one B-channel at once: each has sent its SETUP when the other's arrives): the
 * network side refuses the user side's SETUP with cause 44 (channel unavailable) and keeps its own call;
 * the user side tells its line DISCONNECT cause=44 glare=1 for the call it gave up and then SETUP for the
 * network's. Our SETUPs name their channel as exclusive or preferred (options "channel="); a SETUP of theirs
 * naming no channel, or a busy (or not ours) channel as preferred, gets the first free one (none: cause 34), told
 * to that channel's line with requested=N; one naming a busy channel as exclusive is refused (44). When the far
 * end answers our preferred SETUP on another channel the call moves there (MOVED to the first line, the
 * responses to the new one); onto a channel that is busy here it ends with 44.
 *
 * Overlap (options "overlap=1"): a SETUP of theirs without Sending Complete comes with complete=0; the line
 * answers SETUP_ACK (SETUP ACKNOWLEDGE) while it wants more digits, and each INFORMATION comes as INFO digits=
 * (complete=1 with Sending Complete), until the line answers PROCEEDING or clears. Our SETUP with complete=0
 * goes out without Sending Complete, and INFO digits= sends the rest one INFORMATION per digit. Without
 * overlap every SETUP of ours carries Sending Complete (EuroISDN's en-bloc). Facilities are ignored.
 *
 * Progress indicators: a response to our SETUP with progress indicator 1 or 8 says inband=1 (the B-channel carries the
 * far end's tones before any answer); a PROGRESS with a cause is a refusal told in-band (the far end plays why), and
 * with options "inband_disconnect=1" so is a DISCONNECT with in-band information before the answer (libpri then
 * reports it as PROGRESS with the cause and waits for our clearing). Our ALERTING inband=1 and PROGRESS carry
 * progress indicator 8 (the line plays ringback or an announcement before answering).
 */
#define _GNU_SOURCE 1   /* pipe2 */
#include "pri.h"

#include <stdio.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<libpri.h>) && __has_include(<dahdi/user.h>)
#define HAVE_LIBPRI 1
#endif
#endif

#ifdef HAVE_LIBPRI
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <dahdi/user.h>
#include <libpri.h>

/* Exported by libpri (pri_internal.h) but not in libpri.h: whether a call pointer is still one of ours. */
extern int q931_is_call_valid(struct pri *ctrl, q931_call *call);

#define MAX_TS 32
#define CAUSE_NORMAL 16
#define CAUSE_NO_CIRCUIT 34
#define CAUSE_CHAN_UNAVAIL 44
#define CAUSE_NET_OUT_OF_ORDER 38
#define CAUSE_TEMP_FAILURE 41
#define Q931_MSG_DISCONNECT 0x45
#define Q931_MSG_RELEASE_COMPLETE 0x5a
#define RESTART_WAIT_MS 4000    /* our RESTART unacknowledged this long: sent again (libpri's own T316 is minutes) */
#define RESTART_TRIES 3         /* ... up to this many times in all; then the next channel's goes out */

typedef struct pri_cmd {
    struct pri_cmd *next;
    int ts;
    char text[ENG_TEXT_MAX];
} pri_cmd_t;

typedef struct {
    q931_call *call;
    int chan;                   /* engine channel, -1: not ours */
    int cleared;                /* we called pri_hangup: tell RELEASE once libpri has freed it */
    int remote_cause;           /* the far end's DISCONNECT cause, 0: none */
    int released;               /* their DISCONNECT answered with our RELEASE */
    int responded;              /* a SETUP of theirs was answered (PROCEEDING ...); ours: always */
    int outgoing;               /* the call is our SETUP */
} bslot_t;

struct pri_span_s {
    engine_t *eng;
    int dfd, dchan, spanno, side;
    struct pri *pri;
    bslot_t slot[MAX_TS];
    int nts;
    pthread_t thread;
    int started;
    int wake[2];
    pthread_mutex_t lock;
    pri_cmd_t *head, *tail;
    int stop;                   /* under lock */
    int dchan_up;               /* atomic */
    int changed;                /* atomic */
    int restart_wait[MAX_TS];   /* our RESTARTs waiting their turn (timeslots, in order); the thread's */
    int nrestart_wait;
    int overlap;                /* overlap receiving and sending (options overlap=1) */
    int inband_disconnect;      /* a DISCONNECT with in-band information before the answer comes as PROGRESS cause= */
    int exclusive;              /* our SETUPs name their channel as exclusive (else preferred) */
    int restarting;             /* the timeslot whose RESTART is out, 0: none */
    int restart_tries;          /* how many times it was sent */
    struct timeval restart_sent;
    struct {                    /* the Q.931 clearing in the frame last read (peek_frame), for on_silent_clear */
        int msg;                /* Q931_MSG_*, 0: none */
        int cref;               /* its call reference (a call the far end made: sent from the originator) */
        int cause;              /* its cause, 0: none */
    } heard;
};

int pri_available(void)
{
    return 1;
}

static void quiet_message(struct pri *pri, char *s)
{
    (void) pri;
    if (getenv("TELEPHONIST_PRI_DEBUG"))
        fprintf(stderr, "libpri: %s", s);
}

static void error_message(struct pri *pri, char *s)
{
    (void) pri;
    fprintf(stderr, "libpri: %s", s);
}

static int switch_of(const char *name)
{
    static const struct {
        const char *name;
        int type;
    } types[] = {
        {"euroisdn", PRI_SWITCH_EUROISDN_E1}, {"qsig", PRI_SWITCH_QSIG}, {"ni2", PRI_SWITCH_NI2},
        {"dms100", PRI_SWITCH_DMS100}, {"lucent5e", PRI_SWITCH_LUCENT5E}, {"att4ess", PRI_SWITCH_ATT4ESS},
    };
    size_t i;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(name, types[i].name) == 0)
            return types[i].type;
    return -1;
}

/* ---- the D-channel's I/O (libpri calls these from the span's thread) ---------------------------- */

/* A DISCONNECT or RELEASE COMPLETE for a call the far end made (Q.931 over a Q.921 I-frame on SAPI 0): its call
 * reference and cause, kept in ps->heard for on_silent_clear. The frame is libpri's to act on; this only reads it. */
static void peek_frame(pri_span_t *ps, const unsigned char *f, int len)
{
    const unsigned char *q = f + 4, *end = f + len - 2;    /* after the address and I-frame control; before the FCS */
    int crlen, msg, cref = 0, i;

    ps->heard.msg = 0;
    if (len < 4 + 2 + 3 || (f[0] >> 2) != 0 || (f[2] & 1) || q[0] != 0x08)
        return;
    crlen = q[1] & 0x0f;
    if (crlen < 1 || crlen > 2 || q + 2 + crlen >= end || (q[2] & 0x80))
        return;                 /* no call reference, or one of our own calls (sent to the originator) */
    for (i = 0; i < crlen; i++)
        cref = cref << 8 | (q[2 + i] & (i == 0 ? 0x7f : 0xff));
    msg = q[2 + crlen];
    if (msg != Q931_MSG_DISCONNECT && msg != Q931_MSG_RELEASE_COMPLETE)
        return;
    ps->heard.msg = msg;
    ps->heard.cref = cref;
    ps->heard.cause = 0;
    for (q += 3 + crlen; q < end;) {
        if (q[0] & 0x80) {      /* a single-octet information element */
            q++;
            continue;
        }
        if (q + 2 > end || q + 2 + q[1] > end)
            break;
        if (q[0] == 0x08 && q[1] >= 2) {            /* Cause: location, [recommendation,] cause value */
            const unsigned char *v = q + 2 + ((q[2] & 0x80) ? 1 : 2);
            if (v < q + 2 + q[1])
                ps->heard.cause = v[0] & 0x7f;
            break;
        }
        q += 2 + q[1];
    }
}

static int d_read(struct pri *pri, void *buf, int len)
{
    pri_span_t *ps = pri_get_userdata(pri);
    int res = (int) read(ps->dfd, buf, (size_t) len);

    if (res > 0)
        peek_frame(ps, buf, res);

    if (res < 0 && errno == ELAST) {
        int ev = 0;
        /* an event of the D-channel (alarm, bad FCS, HDLC abort): the alarms come through the
         * B-channels' descriptors too; the frame is simply lost and Q.921 retransmits it */
        ioctl(ps->dfd, DAHDI_GETEVENT, &ev);
        errno = EAGAIN;
        return -1;
    }
    return res;
}

static int d_write(struct pri *pri, void *buf, int len)
{
    pri_span_t *ps = pri_get_userdata(pri);
    int res = (int) write(ps->dfd, buf, (size_t) len);

    if (res < 0 && errno == ELAST) {
        int ev = 0;
        ioctl(ps->dfd, DAHDI_GETEVENT, &ev);
        res = (int) write(ps->dfd, buf, (size_t) len);
    }
    return res;
}

/* ---- libpri events -> engine events -------------------------------------------------------------- */

static void tell(pri_span_t *ps, int ts, const char *text)
{
    if (ts > 0 && ts < ps->nts && ps->slot[ts].chan >= 0)
        eng_emit(ps->eng, EV_SIGMSG, ps->slot[ts].chan, 0, 0, 0, 0, 0, text);
}

static int ts_of_event_channel(pri_span_t *ps, int channel)
{
    int ts = channel < 0 ? -1 : channel & 0xff;
    return ts > 0 && ts < ps->nts ? ts : -1;
}

static int ts_of_call(pri_span_t *ps, q931_call *call)
{
    int ts;
    if (!call)
        return -1;
    for (ts = 1; ts < ps->nts; ts++)
        if (ps->slot[ts].call == call)
            return ts;
    return -1;
}

static void slot_clear(bslot_t *b)
{
    b->call = NULL;
    b->cleared = 0;
    b->remote_cause = 0;
    b->released = 0;
    b->responded = 0;
    b->outgoing = 0;
}

/* A slot whose call is only finishing its clearing with libpri (the line already let it go) is free. */
static int slot_free(const bslot_t *b)
{
    return !b->call || b->cleared || b->released;
}

/* A call we cleared and libpri freed since: the clearing is complete. */
static void sweep(pri_span_t *ps)
{
    int ts;
    for (ts = 1; ts < ps->nts; ts++) {
        bslot_t *b = &ps->slot[ts];
        if (b->call && !q931_is_call_valid(ps->pri, b->call)) {
            int cleared = b->cleared;
            slot_clear(b);
            if (cleared)
                tell(ps, ts, "RELEASE");
        }
    }
}

static const char *pres_name(int pres)
{
    switch (pres & 0x60) {
    case 0x00: return "allowed";
    case 0x20: return "restricted";
    default: return "unavailable";
    }
}

/* ---- our RESTARTs, one at a time --------------------------------------------------------------------- */

static void restart_next(pri_span_t *ps)
{
    while (!ps->restarting && ps->nrestart_wait > 0) {
        int ts = ps->restart_wait[0];
        memmove(ps->restart_wait, ps->restart_wait + 1, (size_t) --ps->nrestart_wait * sizeof(int));
        if (pri_reset(ps->pri, ts) < 0) {
            tell(ps, ts, "RESTARTED acknowledged=0");
            continue;
        }
        ps->restarting = ts;
        ps->restart_tries = 1;
        gettimeofday(&ps->restart_sent, NULL);
    }
}

static void restart_done(pri_span_t *ps, int ts, int acknowledged);

/* No RESTART ACKNOWLEDGE in time: send it again, or give up on it. Seen on the loopback: a RESTART sent the moment
 * our D-channel came up was lost while the far end's libpri was still bringing its side of the link up. */
static void restart_timeout(pri_span_t *ps)
{
    if (ps->restart_tries < RESTART_TRIES && pri_reset(ps->pri, ps->restarting) == 0) {
        ps->restart_tries++;
        gettimeofday(&ps->restart_sent, NULL);
        return;
    }
    restart_done(ps, ps->restarting, 0);
}

static void restart_queue(pri_span_t *ps, int ts)
{
    int i;
    if (ps->restarting == ts)
        return;
    for (i = 0; i < ps->nrestart_wait; i++)
        if (ps->restart_wait[i] == ts)
            return;
    if (ps->nrestart_wait < MAX_TS)
        ps->restart_wait[ps->nrestart_wait++] = ts;
    restart_next(ps);
}

/* A call took the timeslot before its RESTART went out: the RESTART would end that call, so it is dropped. One
 * already out is not sent again (its ACKNOWLEDGE is still waited for). */
static void restart_unqueue(pri_span_t *ps, int ts)
{
    int i;
    if (ps->restarting == ts)
        ps->restart_tries = RESTART_TRIES;
    for (i = 0; i < ps->nrestart_wait; i++)
        if (ps->restart_wait[i] == ts) {
            memmove(ps->restart_wait + i, ps->restart_wait + i + 1, (size_t) (ps->nrestart_wait - i - 1) * sizeof(int));
            ps->nrestart_wait--;
            return;
        }
}

static void restart_done(pri_span_t *ps, int ts, int acknowledged)
{
    if (!ps->restarting || ts != ps->restarting)
        return;
    ps->restarting = 0;
    tell(ps, ts, acknowledged ? "RESTARTED acknowledged=1" : "RESTARTED acknowledged=0");
    restart_next(ps);
}

/* ms until the RESTART out gives up waiting (for the thread's poll), -1: none out */
static int restart_due_ms(pri_span_t *ps)
{
    struct timeval now;
    long ms;
    if (!ps->restarting)
        return -1;
    gettimeofday(&now, NULL);
    ms = RESTART_WAIT_MS - ((now.tv_sec - ps->restart_sent.tv_sec) * 1000L
                            + (now.tv_usec - ps->restart_sent.tv_usec) / 1000L);
    return ms < 0 ? 0 : (int) ms;
}

static int first_free_ts(pri_span_t *ps)
{
    int ts;
    for (ts = 1; ts < ps->nts; ts++)
        if (ps->slot[ts].chan >= 0 && slot_free(&ps->slot[ts]))
            return ts;
    return -1;
}

static void on_ring(pri_span_t *ps, pri_event_ring *r)
{
    char text[ENG_TEXT_MAX];
    int requested = ts_of_event_channel(ps, r->channel), ts = requested, n;

    if (r->flexible && (ts < 0 || ps->slot[ts].chan < 0 || !slot_free(&ps->slot[ts]))) {
        /* any channel will do, or the one preferred is busy or not ours: the first free one of ours */
        if ((ts = first_free_ts(ps)) < 0) {
            pri_hangup(ps->pri, r->call, CAUSE_NO_CIRCUIT);
            return;
        }
    }
    if (ts > 0 && ps->slot[ts].chan >= 0 && !slot_free(&ps->slot[ts]) && ps->slot[ts].outgoing
        && ps->side != PRI_NETWORK) {
        /* glare: their SETUP and ours crossed on this channel. The network side keeps its call (it refuses
         * ours with cause 44, below on its side); the user side gives its own up and takes theirs. Our call
         * is libpri's until the network's RELEASE COMPLETE frees it (on_hangup, no slot holds it). */
        tell(ps, ts, "DISCONNECT cause=44 glare=1");
        slot_clear(&ps->slot[ts]);
    }
    if (ts < 0 || ps->slot[ts].chan < 0 || !slot_free(&ps->slot[ts])) {
        /* not a channel we serve, or busy (glare: our own SETUP holds it) */
        pri_hangup(ps->pri, r->call, CAUSE_CHAN_UNAVAIL);
        return;
    }
    slot_clear(&ps->slot[ts]);
    restart_unqueue(ps, ts);
    ps->slot[ts].call = r->call;
    n = snprintf(text, sizeof(text),
                 "SETUP calling=%.40s called=%.40s calling_ton=%d calling_plan=%d called_ton=%d called_plan=%d "
                 "pres=%s screen=%d complete=%d channel=%d exclusive=%d",
                 r->callingnum, r->callednum, (r->callingplan >> 4) & 7, r->callingplan & 0xF,
                 (r->calledplan >> 4) & 7, r->calledplan & 0xF, pres_name(r->callingpres), r->callingpres & 3,
                 r->complete ? 1 : 0, ts, r->flexible ? 0 : 1);
    if (requested > 0 && requested != ts && n > 0 && (size_t) n < sizeof(text))
        n += snprintf(text + n, sizeof(text) - (size_t) n, " requested=%d", requested);
    if (r->redirectingnum[0] && n > 0 && (size_t) n < sizeof(text))
        snprintf(text + n, sizeof(text) - (size_t) n, " redirecting=%.40s redirecting_reason=%d", r->redirectingnum,
                 r->redirectingreason >= 0 ? r->redirectingreason & 0xF : 0);
    /* numbers carry no spaces in Q.931 (IA5 digits); a space would split the field */
    for (n = 0; text[n]; n++)
        if (text[n] == '\t' || text[n] == '\n')
            text[n] = '_';
    tell(ps, ts, text);
}

static void on_hangup(pri_span_t *ps, int e, pri_event_hangup *h)
{
    char text[64];
    int ts = ts_of_call(ps, h->call);
    bslot_t *b;

    if (ts < 0) {
        /* a call no line holds any more (its line went on to a new call): libpri still wants it freed */
        if (e == PRI_EVENT_HANGUP)
            pri_hangup(ps->pri, h->call, h->cause > 0 ? h->cause : CAUSE_NORMAL);
        return;
    }
    b = &ps->slot[ts];
    switch (e) {
    case PRI_EVENT_HANGUP_REQ:          /* their DISCONNECT */
        if (b->cleared) {
            /* both ends cleared at once: ours is told already; go on to RELEASE */
            pri_hangup(ps->pri, h->call, h->cause > 0 ? h->cause : CAUSE_NORMAL);
            break;
        }
        b->remote_cause = h->cause > 0 ? h->cause : CAUSE_NORMAL;
        snprintf(text, sizeof(text), "DISCONNECT cause=%d", b->remote_cause);
        tell(ps, ts, text);
        break;
    case PRI_EVENT_HANGUP:              /* their RELEASE / RELEASE COMPLETE: ours to free */
        if (!b->cleared && !b->remote_cause) {
            snprintf(text, sizeof(text), "DISCONNECT cause=%d", h->cause > 0 ? h->cause : CAUSE_NORMAL);
            tell(ps, ts, text);
        }
        pri_hangup(ps->pri, h->call, h->cause > 0 ? h->cause : CAUSE_NORMAL);
        if (b->cleared)
            tell(ps, ts, "RELEASE");
        slot_clear(b);
        break;
    case PRI_EVENT_HANGUP_ACK:          /* our clearing is complete; libpri freed the call */
        slot_clear(b);
        tell(ps, ts, "RELEASE");
        break;
    }
}

/* The far end cleared its SETUP before we answered anything (no CALL PROCEEDING, ALERTING, SETUP ACKNOWLEDGE or
 * PROGRESS yet): libpri 1.6 holds such a call as not yet one for us (Asterisk answers a SETUP before it reads the next
 * frame) and clears it by itself with no event: a DISCONNECT answered with RELEASE COMPLETE, the call left in its
 * Release Request state for good; a RELEASE COMPLETE, the call freed. So the frame read says it (peek_frame): when the
 * frame brought no hang-up event, the line is told DISCONNECT with the far end's cause, and libpri's call is freed
 * (libpri sends nothing more: the far end's call is gone). The line's RELEASE then finds no call. */
static void on_silent_clear(pri_span_t *ps)
{
    char text[48];
    int ts, cause = ps->heard.cause > 0 ? ps->heard.cause : CAUSE_NORMAL;

    if (!ps->heard.msg)
        return;
    for (ts = 1; ts < ps->nts; ts++) {
        bslot_t *b = &ps->slot[ts];
        int mode, crv;
        if (!b->call || b->outgoing || b->responded || b->cleared || b->remote_cause)
            continue;
        if (!q931_is_call_valid(ps->pri, b->call)) {
            slot_clear(b);      /* a RELEASE COMPLETE: libpri freed it (the reference cannot be read back now) */
        } else {
            crv = pri_get_crv(ps->pri, b->call, &mode);
            if (crv < 0 || ((crv << 3 | (mode & 7)) & 0x7fff) != ps->heard.cref)
                continue;
            pri_destroycall(ps->pri, b->call);
            slot_clear(b);
        }
        snprintf(text, sizeof(text), "DISCONNECT cause=%d", cause);
        tell(ps, ts, text);
        break;
    }
    ps->heard.msg = 0;
}

/* The far end answered our SETUP (preferred channel) on another B-channel: the call moves there, and the line that
 * made it is told MOVED (its call goes on on the other line). A channel busy here (or not ours) ends the call (44).
 * Returns the timeslot the call is on now, -1 when it is not ours or ended. */
static int follow_channel(pri_span_t *ps, q931_call *call, int channel)
{
    int from = ts_of_call(ps, call), to = ts_of_event_channel(ps, channel), chan;
    char text[48];

    if (from < 0 || to < 0 || to == from || !ps->slot[from].outgoing)
        return from;
    if (ps->slot[to].chan < 0 || !slot_free(&ps->slot[to])) {
        ps->slot[from].cleared = 1;
        pri_hangup(ps->pri, call, CAUSE_CHAN_UNAVAIL);
        tell(ps, from, "DISCONNECT cause=44");
        return -1;
    }
    restart_unqueue(ps, to);
    chan = ps->slot[to].chan;
    ps->slot[to] = ps->slot[from];
    ps->slot[to].chan = chan;
    slot_clear(&ps->slot[from]);
    snprintf(text, sizeof(text), "MOVED channel=%d chan=%d", to, chan);
    tell(ps, from, text);
    return to;
}

/* Overlap receiving: the digits of one INFORMATION (and whether it said Sending Complete). */
static void on_info(pri_span_t *ps, pri_event_ring *r)
{
    char text[ENG_TEXT_MAX];
    int ts = ts_of_call(ps, r->call), n;

    if (ts < 0 || ps->slot[ts].outgoing)
        return;
    snprintf(text, sizeof(text), "INFO digits=%.64s complete=%d", r->callednum, r->complete ? 1 : 0);
    for (n = 0; text[n]; n++)
        if (text[n] == '\t' || text[n] == '\n')
            text[n] = '_';
    tell(ps, ts, text);
}

static void on_restart(pri_span_t *ps, int channel)
{
    int ts, only = ts_of_event_channel(ps, channel);

    for (ts = 1; ts < ps->nts; ts++) {
        bslot_t *b = &ps->slot[ts];
        if ((only > 0 && ts != only) || !b->call)
            continue;
        if (q931_is_call_valid(ps->pri, b->call))
            pri_destroycall(ps->pri, b->call);
        slot_clear(b);
        tell(ps, ts, "DISCONNECT cause=41 restart=1");
    }
}

/* Progress indicator 1 (the call is not end-to-end ISDN) or 8 (in-band information available): the B-channel carries
 * the far end's tones and announcements before any answer. */
static int inband(int progressmask)
{
    return (progressmask & (PRI_PROG_CALL_NOT_E2E_ISDN | PRI_PROG_INBAND_AVAILABLE)) != 0;
}

static void on_event(pri_span_t *ps, pri_event *ev)
{
    char text[96];
    int ts, n;

    switch (ev->e) {
    case PRI_EVENT_DCHAN_UP:
        __atomic_store_n(&ps->dchan_up, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&ps->changed, 1, __ATOMIC_RELEASE);
        break;
    case PRI_EVENT_DCHAN_DOWN:
        __atomic_store_n(&ps->dchan_up, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&ps->changed, 1, __ATOMIC_RELEASE);
        while (ps->nrestart_wait > 0)
            tell(ps, ps->restart_wait[--ps->nrestart_wait], "RESTARTED acknowledged=0");
        restart_done(ps, ps->restarting, 0);
        /* libpri ends the calls itself (HANGUP events follow) */
        break;
    case PRI_EVENT_RING:
        on_ring(ps, &ev->ring);
        break;
    case PRI_EVENT_SETUP_ACK:
        tell(ps, follow_channel(ps, ev->setup_ack.call, ev->setup_ack.channel), "SETUP_ACK");
        break;
    case PRI_EVENT_PROCEEDING:
        snprintf(text, sizeof(text), "PROCEEDING%s", inband(ev->proceeding.progressmask) ? " inband=1" : "");
        tell(ps, follow_channel(ps, ev->proceeding.call, ev->proceeding.channel), text);
        break;
    case PRI_EVENT_PROGRESS:
        /* a PROGRESS, or (with inband_disconnect) a DISCONNECT with in-band information before the answer: the
         * cause comes with it, and the call stays until the line clears it (Asterisk's inbanddisconnect) */
        n = snprintf(text, sizeof(text), "PROGRESS progress=%d%s", ev->proceeding.progress,
                     inband(ev->proceeding.progressmask) ? " inband=1" : "");
        if (ev->proceeding.cause > 0 && n > 0 && (size_t) n < sizeof(text))
            snprintf(text + n, sizeof(text) - (size_t) n, " cause=%d", ev->proceeding.cause);
        tell(ps, follow_channel(ps, ev->proceeding.call, ev->proceeding.channel), text);
        break;
    case PRI_EVENT_RINGING:
        snprintf(text, sizeof(text), "ALERTING%s", inband(ev->ringing.progressmask) ? " inband=1" : "");
        tell(ps, follow_channel(ps, ev->ringing.call, ev->ringing.channel), text);
        break;
    case PRI_EVENT_ANSWER:
        tell(ps, follow_channel(ps, ev->answer.call, ev->answer.channel), "CONNECT");
        break;
    case PRI_EVENT_INFO_RECEIVED:
        on_info(ps, &ev->ring);
        break;
    case PRI_EVENT_HANGUP_REQ:
    case PRI_EVENT_HANGUP:
    case PRI_EVENT_HANGUP_ACK:
        on_hangup(ps, ev->e, &ev->hangup);
        break;
    case PRI_EVENT_RESTART:
        on_restart(ps, ev->restart.channel);
        break;
    case PRI_EVENT_RESTART_ACK:
        restart_done(ps, ts_of_event_channel(ps, ev->restartack.channel), 1);
        break;
    case PRI_EVENT_CONFIG_ERR:
        fprintf(stderr, "libpri: span %d: configuration error: %s\n", ps->spanno, ev->err.err);
        break;
    default:
        (void) ts;
        (void) n;
        break;                  /* facilities, notify, keypad, hold ...: left for later */
    }
}

/* ---- engine messages -> pri_* calls ------------------------------------------------------------- */

static const char *field(const char *msg, const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);
    const char *p = msg;

    out[0] = '\0';
    while ((p = strstr(p, key)) != NULL) {
        if ((p == msg || p[-1] == ' ') && p[klen] == '=') {
            size_t n = strcspn(p + klen + 1, " ");
            if (n >= len)
                n = len - 1;
            memcpy(out, p + klen + 1, n);
            out[n] = '\0';
            return out;
        }
        p += klen;
    }
    return NULL;
}

static int int_field(const char *msg, const char *key, int dflt, int lo, int hi)
{
    char v[16];
    char *end;
    long x;
    if (!field(msg, key, v, sizeof(v)) || !v[0])
        return dflt;
    x = strtol(v, &end, 10);
    return *end || x < lo || x > hi ? dflt : (int) x;
}

/* Our SETUP refused here, before anything went out (refused=1: the line may already know, when the far end's
 * SETUP took the channel first and was told to it before this). */
static void fail_setup(pri_span_t *ps, int ts, int cause)
{
    char text[48];
    snprintf(text, sizeof(text), "DISCONNECT cause=%d refused=1", cause);
    tell(ps, ts, text);
}

static void cmd_setup(pri_span_t *ps, int ts, const char *msg)
{
    bslot_t *b = &ps->slot[ts];
    char calling[64], called[64], pres[16], redirecting[64];
    struct pri_sr *sr;
    q931_call *call;
    int callerplan, calledplan, callerpres;

    if (!slot_free(b)) {
        fail_setup(ps, ts, CAUSE_CHAN_UNAVAIL);          /* glare: their SETUP came first */
        return;
    }
    if (!__atomic_load_n(&ps->dchan_up, __ATOMIC_ACQUIRE)) {
        fail_setup(ps, ts, CAUSE_NET_OUT_OF_ORDER);
        return;
    }
    field(msg, "calling", calling, sizeof(calling));
    field(msg, "called", called, sizeof(called));
    field(msg, "pres", pres, sizeof(pres));
    callerplan = (int_field(msg, "calling_ton", 0, 0, 7) << 4) | int_field(msg, "calling_plan", 1, 0, 15);
    calledplan = (int_field(msg, "called_ton", 0, 0, 7) << 4) | int_field(msg, "called_plan", 1, 0, 15);
    callerpres = strcmp(pres, "restricted") == 0 ? PRES_PROHIB_USER_NUMBER_NOT_SCREENED
                 : PRES_ALLOWED_USER_NUMBER_NOT_SCREENED;
    if ((call = pri_new_call(ps->pri)) == NULL || (sr = pri_sr_new()) == NULL) {
        if (call)
            pri_destroycall(ps->pri, call);
        fail_setup(ps, ts, CAUSE_TEMP_FAILURE);
        return;
    }
    /* the channel named is the line's own, unless the message names another (channel=: the sim's far end asking for
     * a channel busy at our end); a response naming another moves the call there (follow_channel) */
    pri_sr_set_channel(sr, int_field(msg, "channel", ts, 1, ps->nts - 1), ps->exclusive, ps->side == PRI_NETWORK ? 0 : 1);
    pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, PRI_LAYER_1_ALAW);
    pri_sr_set_called(sr, called, calledplan, ps->overlap ? int_field(msg, "complete", 1, 0, 1) : 1);
    pri_sr_set_caller(sr, calling[0] ? calling : NULL, NULL, callerplan,
                      calling[0] ? callerpres : PRES_NUMBER_NOT_AVAILABLE);
    if (field(msg, "redirecting", redirecting, sizeof(redirecting)) && redirecting[0])
        /* a call we forward: the number it was for (the redirecting party) and why (Q.931 reason, 0-15) */
        pri_sr_set_redirecting(sr, redirecting, PRI_UNKNOWN << 4 | PRI_NPI_E163_E164,
                               PRES_ALLOWED_USER_NUMBER_NOT_SCREENED, int_field(msg, "redirecting_reason", 0, 0, 15));
    if (pri_setup(ps->pri, call, sr) < 0) {
        pri_sr_free(sr);
        pri_destroycall(ps->pri, call);
        fail_setup(ps, ts, CAUSE_TEMP_FAILURE);
        return;
    }
    pri_sr_free(sr);
    restart_unqueue(ps, ts);
    /* a freed pointer reused for this call must not stay in another slot */
    for (int i = 1; i < ps->nts; i++)
        if (ps->slot[i].call == call)
            slot_clear(&ps->slot[i]);
    slot_clear(b);
    b->call = call;
    b->responded = 1;
    b->outgoing = 1;
}

/* RESTART of one B-channel (Q.931 5.5): whatever call it carries ends here at once, and the far end is asked to
 * clear it too (libpri sends RESTART and takes the RESTART ACKNOWLEDGE; RESTARTED tells the line). */
static void cmd_restart(pri_span_t *ps, int ts)
{
    bslot_t *b = &ps->slot[ts];
    int had = b->call != NULL && !slot_free(b);

    if (b->call && q931_is_call_valid(ps->pri, b->call))
        pri_destroycall(ps->pri, b->call);
    slot_clear(b);
    if (had)
        tell(ps, ts, "DISCONNECT cause=41 restart=1");
    if (!__atomic_load_n(&ps->dchan_up, __ATOMIC_ACQUIRE)) {
        tell(ps, ts, "RESTARTED acknowledged=0");
        return;
    }
    restart_queue(ps, ts);
}

static void do_command(pri_span_t *ps, int ts, const char *msg)
{
    bslot_t *b = &ps->slot[ts];
    char kind[16], err[80];
    size_t n = strcspn(msg, " ");

    snprintf(kind, sizeof(kind), "%.*s", (int) (n < sizeof(kind) ? n : sizeof(kind) - 1), msg);
    if (strcmp(kind, "SETUP") == 0) {
        cmd_setup(ps, ts, msg);
        return;
    }
    if (strcmp(kind, "RESTART") == 0) {
        cmd_restart(ps, ts);
        return;
    }
    if (!b->call || b->cleared)
        return;                 /* the call is gone (or going): nothing to tell libpri */
    if (b->remote_cause && strcmp(kind, "RELEASE") != 0 && strcmp(kind, "DISCONNECT") != 0)
        return;                 /* the far end's DISCONNECT came first (the line is told): a late answer (ALERTING,
                                 * PROGRESS ...) would take libpri's call out of its Disconnect Indication and keep
                                 * the B-channel busy, so the far end's next SETUP on it got 44 */
    if (strcmp(kind, "PROCEEDING") == 0) {
        pri_proceeding(ps->pri, b->call, ts, 0);
        b->responded = 1;
    } else if (strcmp(kind, "SETUP_ACK") == 0) {
        if (!b->outgoing && !b->responded && ps->overlap) {
            pri_need_more_info(ps->pri, b->call, ts, 0);
            b->responded = 1;
        }
    } else if (strcmp(kind, "INFO") == 0) {
        char digits[64];
        const char *d;
        if (b->outgoing && field(msg, "digits", digits, sizeof(digits)))
            for (d = digits; *d; d++)
                pri_information(ps->pri, b->call, *d);
    } else if (strcmp(kind, "ALERTING") == 0) {
        /* inband=1: progress indicator 8, the line plays ringback (or an announcement) on the B-channel */
        if (!b->responded)
            pri_proceeding(ps->pri, b->call, ts, 0);
        pri_acknowledge(ps->pri, b->call, ts, int_field(msg, "inband", 0, 0, 1));
        b->responded = 1;
    } else if (strcmp(kind, "PROGRESS") == 0) {
        /* the line plays something before answering: PROGRESS with progress indicator 8 (in-band information), with
         * the cause when it is an announcement of why the call fails (cause=N) */
        int cause = int_field(msg, "cause", 0, 0, 127);
        if (!b->outgoing) {
            if (!b->responded)
                pri_proceeding(ps->pri, b->call, ts, 0);
            b->responded = 1;
            if (cause)
                pri_progress_with_cause(ps->pri, b->call, ts, 1, cause);
            else
                pri_progress(ps->pri, b->call, ts, 1);
        }
    } else if (strcmp(kind, "CONNECT") == 0) {
        pri_answer(ps->pri, b->call, ts, 0);
        b->responded = 1;
    } else if (strcmp(kind, "DISCONNECT") == 0) {
        int cause = int_field(msg, "cause", CAUSE_NORMAL, 1, 127);
        /* libpri clears a SETUP it has not answered yet only with RELEASE COMPLETE (causes 1, 34, 44,
         * 82); for the others (busy, rejected ...) it would send nothing: CALL PROCEEDING first, then
         * DISCONNECT with the cause, as Q.931 allows */
        if (!b->responded && !b->remote_cause && cause != 1 && cause != 34 && cause != 44 && cause != 82)
            pri_proceeding(ps->pri, b->call, ts, 0);
        b->cleared = 1;
        pri_hangup(ps->pri, b->call, cause);
    } else if (strcmp(kind, "RELEASE") == 0) {
        if (b->remote_cause && !b->released) {
            b->released = 1;
            pri_hangup(ps->pri, b->call, b->remote_cause);
        }
    } else {
        snprintf(err, sizeof(err), "pri: unknown signalling message '%s'", kind);
        eng_emit(ps->eng, EV_ERROR, b->chan, 0, ENG_EINVAL, 0, 0, 0, err);
    }
}

/* ---- the span's thread -------------------------------------------------------------------------- */

static void *span_thread(void *arg)
{
    pri_span_t *ps = arg;

    for (;;) {
        struct pollfd pfd[2] = {{ps->dfd, POLLIN | POLLPRI, 0}, {ps->wake[0], POLLIN, 0}};
        struct timeval *next = pri_schedule_next(ps->pri), now;
        int timeout = -1, rc, due = restart_due_ms(ps);
        pri_cmd_t *cmds;
        pri_event *ev = NULL;

        if (next) {
            gettimeofday(&now, NULL);
            long ms = (next->tv_sec - now.tv_sec) * 1000L + (next->tv_usec - now.tv_usec) / 1000L;
            timeout = ms < 0 ? 0 : ms > 1000 ? 1000 : (int) ms;
        }
        if (due >= 0 && (timeout < 0 || due < timeout))
            timeout = due;
        rc = poll(pfd, 2, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        ps->heard.msg = 0;
        if (rc > 0 && (pfd[0].revents & (POLLIN | POLLPRI)))
            ev = pri_check_event(ps->pri);
        else if (rc == 0)
            ev = pri_schedule_run(ps->pri);
        if (ev)
            on_event(ps, ev);
        on_silent_clear(ps);    /* the frame read cleared a call libpri told nothing of */
        if (restart_due_ms(ps) == 0)
            restart_timeout(ps);        /* no RESTART ACKNOWLEDGE yet */
        if (rc > 0 && pfd[1].revents & POLLIN) {
            char buf[64];
            while (read(ps->wake[0], buf, sizeof(buf)) > 0)
                ;
        }
        pthread_mutex_lock(&ps->lock);
        cmds = ps->head;
        ps->head = ps->tail = NULL;
        rc = ps->stop;
        pthread_mutex_unlock(&ps->lock);
        while (cmds) {
            pri_cmd_t *c = cmds;
            cmds = c->next;
            if (!rc)
                do_command(ps, c->ts, c->text);
            free(c);
        }
        if (rc)
            break;
        sweep(ps);
    }
    return NULL;
}

static int open_dchan(pri_span_t *ps, int dchan, char *err, size_t errlen)
{
    struct dahdi_params p;
    struct dahdi_bufferinfo bi;
    int x = dchan;

    if ((ps->dfd = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "pri: D-channel %d: open /dev/dahdi/channel: %s", dchan, strerror(errno));
        return -1;
    }
    memset(&p, 0, sizeof(p));
    if (ioctl(ps->dfd, DAHDI_SPECIFY, &x) < 0 || ioctl(ps->dfd, DAHDI_GET_PARAMS, &p) < 0) {
        snprintf(err, errlen, "pri: D-channel %d: %s (no such DAHDI channel?)", dchan, strerror(errno));
        return -1;
    }
    if (p.sigtype != DAHDI_SIG_HDLCFCS && p.sigtype != DAHDI_SIG_HARDHDLC) {
        snprintf(err, errlen, "pri: DAHDI channel %d is not a D-channel (system.conf: dchan=%d, or hardhdlc=%d "
                 "for cards that need it; then run dahdi_cfg)", dchan, dchan, dchan);
        return -1;
    }
    memset(&bi, 0, sizeof(bi));
    bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.numbufs = 32;
    bi.bufsize = 1024;
    if (ioctl(ps->dfd, DAHDI_SET_BUFINFO, &bi) < 0) {
        snprintf(err, errlen, "pri: D-channel %d: DAHDI_SET_BUFINFO: %s", dchan, strerror(errno));
        return -1;
    }
    ps->spanno = p.spanno;
    return 0;
}

/* options: "overlap=0|1 channel=exclusive|preferred inband_disconnect=0|1" (any of them, or none). */
static int parse_options(pri_span_t *ps, const char *options, char *err, size_t errlen)
{
    char v[24];

    ps->overlap = 0;
    ps->exclusive = 1;
    if (!options)
        return 0;
    if (field(options, "overlap", v, sizeof(v))) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            snprintf(err, errlen, "pri: overlap '%s': use 0 or 1", v);
            return -1;
        }
        ps->overlap = v[0] == '1';
    }
    if (field(options, "inband_disconnect", v, sizeof(v))) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            snprintf(err, errlen, "pri: inband_disconnect '%s': use 0 or 1", v);
            return -1;
        }
        ps->inband_disconnect = v[0] == '1';
    }
    if (field(options, "channel", v, sizeof(v))) {
        if (strcmp(v, "exclusive") != 0 && strcmp(v, "preferred") != 0) {
            snprintf(err, errlen, "pri: channel '%s': use exclusive or preferred", v);
            return -1;
        }
        ps->exclusive = strcmp(v, "exclusive") == 0;
    }
    return 0;
}

static pri_span_t *span_alloc(engine_t *e, const char *side, const char *switchtype, const char *options,
                              const int *chan_of_ts, int nts, int *node, int *sw, char *err, size_t errlen)
{
    pri_span_t *ps;
    int ts;

    *sw = switchtype ? switch_of(switchtype) : -1;
    *node = side && strcmp(side, "network") == 0 ? PRI_NETWORK : side && strcmp(side, "user") == 0 ? PRI_CPE : -1;
    if (*node < 0) {
        snprintf(err, errlen, "pri: side '%s': use network or user", side ? side : "");
        return NULL;
    }
    if (*sw < 0) {
        snprintf(err, errlen, "pri: switch type '%s': use euroisdn, qsig, ni2, dms100, lucent5e or att4ess",
                 switchtype ? switchtype : "");
        return NULL;
    }
    if (nts > MAX_TS || (ps = calloc(1, sizeof(*ps))) == NULL) {
        snprintf(err, errlen, "pri: out of memory");
        return NULL;
    }
    ps->eng = e;
    ps->dfd = -1;
    ps->side = *node;
    ps->nts = nts;
    ps->wake[0] = ps->wake[1] = -1;
    for (ts = 0; ts < MAX_TS; ts++)
        ps->slot[ts].chan = ts < nts ? chan_of_ts[ts] : -1;
    pthread_mutex_init(&ps->lock, NULL);
    if (parse_options(ps, options, err, errlen) < 0) {
        pri_span_free(ps);
        return NULL;
    }
    return ps;
}

/* libpri on the span's D-channel descriptor (ps->dfd), and the span's thread. */
static pri_span_t *span_start(pri_span_t *ps, int node, int sw, char *err, size_t errlen)
{
    if (pipe2(ps->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pri: pipe: %s", strerror(errno));
        goto fail;
    }
    pri_set_message(quiet_message);
    pri_set_error(error_message);
    if ((ps->pri = pri_new_cb(ps->dfd, node, sw, d_read, d_write, ps)) == NULL) {
        snprintf(err, errlen, "pri: libpri refused the D-channel %d (pri_new_cb)", ps->dchan);
        goto fail;
    }
    pri_set_overlapdial(ps->pri, ps->overlap);
    pri_set_inbanddisconnect(ps->pri, (unsigned) ps->inband_disconnect);
    pri_hangup_fix_enable(ps->pri, 1);
    if (getenv("TELEPHONIST_PRI_DEBUG"))
        pri_set_debug(ps->pri, PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE | PRI_DEBUG_Q921_STATE);
    if (pthread_create(&ps->thread, NULL, span_thread, ps) != 0) {
        snprintf(err, errlen, "pri: cannot start the span's thread");
        goto fail;
    }
    ps->started = 1;
    return ps;
fail:
    pri_span_free(ps);
    return NULL;
}

pri_span_t *pri_span_new(engine_t *e, int dchan, const char *side, const char *switchtype, const char *options,
                         const int *chan_of_ts, int nts, char *err, size_t errlen)
{
    int node, sw;
    pri_span_t *ps = span_alloc(e, side, switchtype, options, chan_of_ts, nts, &node, &sw, err, errlen);

    if (!ps)
        return NULL;
    ps->dchan = dchan;
    if (open_dchan(ps, dchan, err, errlen) < 0) {
        pri_span_free(ps);
        return NULL;
    }
    return span_start(ps, node, sw, err, errlen);
}

pri_span_t *pri_span_new_fd(engine_t *e, int fd, const char *side, const char *switchtype, const char *options,
                            const int *chan_of_ts, int nts, char *err, size_t errlen)
{
    int node, sw;
    pri_span_t *ps = span_alloc(e, side, switchtype, options, chan_of_ts, nts, &node, &sw, err, errlen);

    if (!ps) {
        close(fd);
        return NULL;
    }
    ps->dfd = fd;
    return span_start(ps, node, sw, err, errlen);
}

int pri_span_command(pri_span_t *ps, int ts, const char *msg)
{
    pri_cmd_t *c;

    if (ts < 1 || ts >= ps->nts || ps->slot[ts].chan < 0 || (c = calloc(1, sizeof(*c))) == NULL)
        return ENG_EINVAL;
    c->ts = ts;
    snprintf(c->text, sizeof(c->text), "%s", msg);
    pthread_mutex_lock(&ps->lock);
    if (ps->tail)
        ps->tail->next = c;
    else
        ps->head = c;
    ps->tail = c;
    pthread_mutex_unlock(&ps->lock);
    if (write(ps->wake[1], "c", 1) < 0 && errno != EAGAIN)
        return ENG_ESYS;
    return 0;
}

int pri_span_alarm_bits(pri_span_t *ps)
{
    return __atomic_load_n(&ps->dchan_up, __ATOMIC_ACQUIRE) ? 0 : ENG_ALARM_DCHAN;
}

int pri_span_take_change(pri_span_t *ps)
{
    return __atomic_exchange_n(&ps->changed, 0, __ATOMIC_ACQ_REL);
}

void pri_span_free(pri_span_t *ps)
{
    pri_cmd_t *c;

    if (!ps)
        return;
    if (ps->started) {
        pthread_mutex_lock(&ps->lock);
        ps->stop = 1;
        pthread_mutex_unlock(&ps->lock);
        if (write(ps->wake[1], "s", 1) < 0) {
            /* the pipe is full: the thread is awake anyway */
        }
        pthread_join(ps->thread, NULL);
    }
    while ((c = ps->head) != NULL) {
        ps->head = c->next;
        free(c);
    }
    /* libpri 1.4/1.6 has no pri_free in its API: the instance goes with the process; its descriptor
     * is closed so the D-channel drops (the far end sees it go down) */
    if (ps->dfd >= 0)
        close(ps->dfd);
    if (ps->wake[0] >= 0)
        close(ps->wake[0]);
    if (ps->wake[1] >= 0)
        close(ps->wake[1]);
    pthread_mutex_destroy(&ps->lock);
    free(ps);
}

#else /* built without libpri-dev */

int pri_available(void)
{
    return 0;
}

pri_span_t *pri_span_new(engine_t *e, int dchan, const char *side, const char *switchtype, const char *options,
                         const int *chan_of_ts, int nts, char *err, size_t errlen)
{
    (void) e; (void) dchan; (void) side; (void) switchtype; (void) options; (void) chan_of_ts; (void) nts;
    snprintf(err, errlen, "this engine was built without libpri (install Debian's libpri-dev and rebuild)");
    return NULL;
}

pri_span_t *pri_span_new_fd(engine_t *e, int fd, const char *side, const char *switchtype, const char *options,
                            const int *chan_of_ts, int nts, char *err, size_t errlen)
{
    (void) e; (void) side; (void) switchtype; (void) options; (void) chan_of_ts; (void) nts;
    close(fd);
    snprintf(err, errlen, "this engine was built without libpri (install Debian's libpri-dev and rebuild)");
    return NULL;
}

int pri_span_command(pri_span_t *ps, int ts, const char *msg)
{
    (void) ps; (void) ts; (void) msg;
    return ENG_EINVAL;
}

int pri_span_alarm_bits(pri_span_t *ps)
{
    (void) ps;
    return 0;
}

int pri_span_take_change(pri_span_t *ps)
{
    (void) ps;
    return 0;
}

void pri_span_free(pri_span_t *ps)
{
    (void) ps;
}

#endif
