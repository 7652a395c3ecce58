/*
 * MFC-R2 on DAHDI E1 CAS channels through openr2 (Debian's libopenr2 1.3): line signalling on the ABCD
 * bits, register signalling by compelled MF tones, in openr2's variants (China No.1 "china", ITU "itu",
 * and the others openr2 knows).
 *
 * Who owns what. openr2 1.3 has no I/O abstraction: it works on a DAHDI channel's descriptor itself
 * (DAHDI_IOMUX, DAHDI_GETEVENT, DAHDI_GETRXBITS/SETTXBITS, read, write). The driver (drv_dahdi.c) keeps
 * the descriptor and gives it to openr2 with openr2_chan_new_from_fd; everything runs on the media
 * thread, so the two never touch it at once:
 *   - CAS bits and events: openr2's (r2_span_poll each tick, r2_span_event when the driver's read meets a
 *     pending event). openr2 keeps only the R2 bits (A and B), so dahdi_dynamic's leak of the neighbouring
 *     channel's bits into the upper nibble (see drv_dahdi.c) is masked there too, and an event whose
 *     R2 bits did not change is ignored.
 *   - Received audio: openr2 reads it while the register signalling runs (its own MF detector); from the
 *     moment a call is accepted (both directions) to the end of the call the driver reads it, as for any
 *     DAHDI channel, so prompts, recordings and DTMF work as on every other line.
 *   - Sent audio: the driver's only. openr2's MF tones are not written by openr2 (mf_want_generate says
 *     no): mf_select_tone gives the tone's two frequencies to the engine channel (chan_sig_tone), whose
 *     tick mixes it into the line's audio like any other tone. openr2 flushes the kernel's transmit queue
 *     when a tone ends; the driver then writes its lead of silence again (r2_span_take_flush).
 *
 * Calls are told in the shape of the sim E1 and PRI (engine_events.parse_sigmsg):
 *
 *   engine -> line (EV_SIGMSG text)                        line -> engine (eng_sigmsg text)
 *   SETUP calling= called= category= channel=              SETUP calling= called= [category=]  (seize, MF)
 *   ALERTING      (our call accepted: group B "free")      ALERTING, PROCEEDING  (accept: group B "free")
 *   CONNECT       (answered: CAS answer)                   CONNECT               (answer)
 *   DISCONNECT cause=N [signal=B-n]                         DISCONNECT cause=N    (refuse: a group B signal
 *                 (their clear, or their group B refusal)                         busy/unallocated/...; clear)
 *   RELEASE       (our clearing complete)                  RELEASE               (after their DISCONNECT)
 *   BLOCKED, IDLE (the far end blocked / unblocked the line)  BLOCK, UNBLOCK     (we block / unblock it)
 *
 * Q.850 causes both ways: 17 busy, 1 unallocated, 34 congestion, 27 out of order, 16 normal, 19 no
 * answer, 22 number changed. A SETUP refused here: 44 (the line is in use by a call of the far end:
 * double seizure, or their seize first), 34 (the far end blocks the line), 41 (openr2 refused).
 * A protocol error ends the call with cause 111 and the error's name (r2_error=).
 */
#define _GNU_SOURCE 1   /* memfd_create */
#include "r2.h"

#include <stdio.h>

#if defined(__has_include)
#if __has_include(<openr2.h>) && __has_include(<dahdi/user.h>)
#define HAVE_OPENR2 1
#endif
#endif

#ifdef HAVE_OPENR2
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <dahdi/user.h>
#include <openr2.h>

#define CAUSE_NORMAL 16
#define CAUSE_NO_CIRCUIT 34
#define CAUSE_TEMP_FAILURE 41
#define CAUSE_CHAN_UNAVAIL 44
#define CAUSE_PROTOCOL 111
#define MF_LEVEL_DBM0 (-11)     /* per frequency, as openr2's own generator */
#define RESEIZE_GUARD_MS 600    /* after a call's end, before we seize the line again (below) */

typedef struct r2_line_state_s {
    r2_span_t *rs;
    int idx;
    int fd, chan, chanpos;
    openr2_chan_t *r2;
    int call;                   /* a call is on the line (ours or theirs) until openr2 ends it */
    int outbound;
    int accept_sent;            /* we asked openr2 to accept their call */
    int accepted;               /* group B "free" sent or heard */
    int answer_pending;         /* CONNECT came before openr2 finished accepting: answer then */
    int we_cleared;             /* our DISCONNECT went to openr2: RELEASE when the call ends */
    int remote_cleared;         /* their clearing told: our RELEASE completes it */
    int blocked;                /* the far end blocks the line */
    int fwd;                    /* our MF tones are forward (group I/II) ones */
    int mf_started;             /* register signalling began (our seize was acknowledged, or we acknowledged) */
    int flushed;
    int dnis_sent;              /* our call: DNIS digits sent so far (China's ANI splice, below) */
    int spliced;
    char ani[OR2_MAX_ANI];      /* our call's caller number */
    char pending_setup[ENG_TEXT_MAX];   /* a SETUP that came while the last call was still clearing */
    int64_t idle_at_ms;         /* when the last call ended (monotonic), 0: never */
} r2_line_state_t;

struct r2_span_s {
    engine_t *eng;
    openr2_context_t *ctx;
    openr2_mflib_interface_t mf;
    openr2_event_interface_t ev;
    int nlines;
    r2_line_state_t *line;
    int category;               /* openr2_calling_party_category_t of our calls by default */
    int splice_ani;             /* China: our ANI goes into openr2's DNIS queue after the category (below) */
    int alarm_changed;
    int debug;
};

int r2_available(void)
{
    return 1;
}

/* ---- names -------------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    openr2_calling_party_category_t cat;
} categories[] = {
    {"subscriber", OR2_CALLING_PARTY_CATEGORY_NATIONAL_SUBSCRIBER},
    {"priority", OR2_CALLING_PARTY_CATEGORY_NATIONAL_PRIORITY_SUBSCRIBER},
    {"international", OR2_CALLING_PARTY_CATEGORY_INTERNATIONAL_SUBSCRIBER},
    {"international_priority", OR2_CALLING_PARTY_CATEGORY_INTERNATIONAL_PRIORITY_SUBSCRIBER},
    {"collect", OR2_CALLING_PARTY_CATEGORY_COLLECT_CALL},
    {"test", OR2_CALLING_PARTY_CATEGORY_TEST_EQUIPMENT},
    {"unknown", OR2_CALLING_PARTY_CATEGORY_UNKNOWN},
};

static int category_of(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
        if (strcmp(name, categories[i].name) == 0)
            return categories[i].cat;
    return -1;
}

static const char *category_name(openr2_calling_party_category_t cat)
{
    size_t i;
    for (i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
        if (cat == categories[i].cat)
            return categories[i].name;
    return "unknown";
}

static const struct {
    openr2_call_disconnect_cause_t r2;
    int q850;
} causes[] = {
    {OR2_CAUSE_NORMAL_CLEARING, 16}, {OR2_CAUSE_BUSY_NUMBER, 17}, {OR2_CAUSE_UNALLOCATED_NUMBER, 1},
    {OR2_CAUSE_NETWORK_CONGESTION, 34}, {OR2_CAUSE_OUT_OF_ORDER, 27}, {OR2_CAUSE_NO_ANSWER, 19},
    {OR2_CAUSE_NUMBER_CHANGED, 22}, {OR2_CAUSE_COLLECT_CALL_REJECTED, 21}, {OR2_CAUSE_UNSPECIFIED, 31},
    {OR2_CAUSE_FORCED_RELEASE, 16},
};

static int q850_of(openr2_call_disconnect_cause_t c)
{
    size_t i;
    for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
        if (causes[i].r2 == c)
            return causes[i].q850;
    return 31;
}

static openr2_call_disconnect_cause_t r2_cause_of(int q850)
{
    size_t i;
    if (q850 == 42 || q850 == 44)
        return OR2_CAUSE_NETWORK_CONGESTION;
    if (q850 == 38)
        return OR2_CAUSE_OUT_OF_ORDER;
    for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
        if (causes[i].q850 == q850 && causes[i].r2 != OR2_CAUSE_FORCED_RELEASE)
            return causes[i].r2;
    return OR2_CAUSE_NORMAL_CLEARING;
}

static const char *variant_name(const char *name)
{
    if (strcmp(name, "china") == 0)
        return "CN";
    if (strcmp(name, "itu") == 0)
        return "ITU";
    return name;
}

/* ---- timers -------------------------------------------------------------------------------------------- */

/*
 * openr2's protocol timers (milliseconds), by openr2's own names (those of its advanced protocol file, which
 * Asterisk's chan_dahdi reads with mfcr2_advanced_protocol_file). openr2 1.3 sets them only from such a file,
 * so r2_span_new writes the span's into an anonymous memory file and has openr2 read it: after the variant's
 * defaults, so a timer given here wins. The bounds keep out values that would end every call at once.
 */
static const struct {
    const char *name;
    int low, high;
} timer_names[] = {
    {"mf_back_cycle", 100, 60000}, {"mf_back_resume_cycle", 10, 10000}, {"mf_fwd_safety", 1000, 600000},
    {"r2_seize", 100, 60000}, {"r2_answer", 1000, 600000}, {"r2_metering_pulse", 0, 10000},
    {"r2_answer_delay", 0, 10000}, {"r2_double_answer", 0, 10000}, {"cas_persistence_check", 0, 10000},
    {"dtmf_start_dial", 0, 10000},
};

/* timers: "name=ms,name=ms" (NULL or "": openr2's defaults). 0, or -1 with err set. */
static int set_timers(openr2_context_t *ctx, const char *timers, char *err, size_t errlen)
{
    char text[1024], path[64];
    const char *p = timers;
    size_t used = 0;
    int fd, rc;

    text[0] = '\0';
    while (p && *p) {
        size_t n = strcspn(p, ","), k, i;
        char item[80], *eq, *end;
        long ms;

        if (n >= sizeof(item)) {
            snprintf(err, errlen, "r2: timers: '%.*s...' is too long", 20, p);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        p += n + (p[n] == ',');
        if (!item[0])
            continue;
        if ((eq = strchr(item, '=')) == NULL) {
            snprintf(err, errlen, "r2: timers: '%s' is not name=milliseconds", item);
            return -1;
        }
        *eq = '\0';
        for (k = 0; k < sizeof(timer_names) / sizeof(timer_names[0]); k++)
            if (strcmp(item, timer_names[k].name) == 0)
                break;
        if (k == sizeof(timer_names) / sizeof(timer_names[0])) {
            used = 0;
            for (i = 0; i < sizeof(timer_names) / sizeof(timer_names[0]) && used < sizeof(text); i++)
                used += (size_t) snprintf(text + used, sizeof(text) - used, "%s%s", i ? ", " : "", timer_names[i].name);
            snprintf(err, errlen, "r2: unknown timer '%s'; openr2's are %s", item, text);
            return -1;
        }
        errno = 0;
        ms = strtol(eq + 1, &end, 10);
        if (errno || end == eq + 1 || *end || ms < timer_names[k].low || ms > timer_names[k].high) {
            snprintf(err, errlen, "r2: timer %s: '%s' is not %d-%d milliseconds", item, eq + 1, timer_names[k].low,
                     timer_names[k].high);
            return -1;
        }
        rc = snprintf(text + used, sizeof(text) - used, "timers.%s=%ld\n", item, ms);
        if (rc < 0 || (size_t) rc >= sizeof(text) - used) {
            snprintf(err, errlen, "r2: timers: too many");
            return -1;
        }
        used += (size_t) rc;
    }
    if (!used)
        return 0;
    /* openr2 reads a file by its name: an anonymous memory file, named through /proc */
    if ((fd = memfd_create("telephonist-r2-timers", MFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "r2: timers: memfd_create: %s", strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    rc = write(fd, text, used) == (ssize_t) used ? openr2_context_configure_from_advanced_file(ctx, path) : -1;
    if (rc < 0)
        snprintf(err, errlen, "r2: timers: openr2 could not read them from %s (is /proc mounted?)", path);
    close(fd);
    return rc < 0 ? -1 : 0;
}

/* ---- telling the line ------------------------------------------------------------------------------ */

static r2_line_state_t *line_of(openr2_chan_t *r2chan)
{
    return openr2_chan_get_client_data(r2chan);
}

static void tell(r2_line_state_t *ln, const char *text)
{
    eng_emit(ln->rs->eng, EV_SIGMSG, ln->chan, 0, 0, 0, 0, 0, text);
}

static void call_clear(r2_line_state_t *ln)
{
    ln->call = ln->outbound = ln->accept_sent = ln->accepted = ln->answer_pending = 0;
    ln->we_cleared = ln->remote_cleared = 0;
    ln->dnis_sent = ln->spliced = ln->mf_started = 0;
}

/*
 * China No.1 asks for the caller's number with the same signal as for the next digit of the called one
 * after the category (KA, asked with A-6), A-1s ask for the caller's digits until I-15 says there
 * are no more, then A-1s ask for the rest of the called number. openr2 1.3 as the forward (calling) side
 * always answers A-1 with the next called digit, so the exchange would read our called digits as the
 * caller's. We put the caller's digits and I-15 (or I-12 for a caller without a number: restricted) into
 * openr2's queue of called digits, at the point where the category was asked for: openr2 then sends
 * what China expects. openr2_chan_get_dnis() hands out that queue itself (the channel's DNIS buffer).
 */
static void splice_ani(r2_line_state_t *ln)
{
    char *dnis = (char *) openr2_chan_get_dnis(ln->r2), out[OR2_MAX_DNIS];
    size_t have = strlen(dnis), sent = (size_t) ln->dnis_sent;

    ln->spliced = 1;
    if (sent > have)
        sent = have;
    if (snprintf(out, sizeof(out), "%.*s%s%c%s", (int) sent, dnis, ln->ani, ln->ani[0] ? 'F' : 'C', dnis + sent)
        >= (int) sizeof(out))
        return;                 /* does not fit openr2's buffer: send as openr2 does */
    memcpy(dnis, out, strlen(out) + 1);
}

/* Digits only: a number goes into a text of space-separated fields. */
static void digits_only(char *out, size_t len, const char *in)
{
    size_t n = 0;
    for (; in && *in && n + 1 < len; in++)
        if (isdigit((unsigned char) *in))
            out[n++] = *in;
    out[n] = '\0';
}

/* ---- the MF interface: tones go through the engine channel ----------------------------------------- */

static const int fwd_hz[6] = {1380, 1500, 1620, 1740, 1860, 1980};
static const int back_hz[6] = {1140, 1020, 900, 780, 660, 540};

/* The frequency pair of R2 signal 1-15 (openr2's codes '1'-'9', '0' = 10, 'B'-'F' = 11-15). */
static int signal_number(int code)
{
    if (code >= '1' && code <= '9')
        return code - '0';
    if (code == '0')
        return 10;
    if (code >= 'B' && code <= 'F')
        return code - 'B' + 11;
    return 0;
}

static void *mf_write_init(void *handle, int forward_signals)
{
    r2_line_state_t *ln = handle;
    ln->fwd = forward_signals;
    ln->mf_started = 1;
    chan_sig_tone(eng_chan(ln->rs->eng, ln->chan), 0, 0, 0);
    return handle;
}

static int mf_select_tone(void *handle, char signal)
{
    static const int pairs[16][2] = {
        {0, 0}, {0, 1}, {0, 2}, {1, 2}, {0, 3}, {1, 3}, {2, 3}, {0, 4}, {1, 4}, {2, 4}, {3, 4},
        {0, 5}, {1, 5}, {2, 5}, {3, 5}, {4, 5},
    };
    r2_line_state_t *ln = handle;
    chan_t *c = eng_chan(ln->rs->eng, ln->chan);
    int n = signal_number((unsigned char) signal);
    const int *hz = ln->fwd ? fwd_hz : back_hz;

    if (!c)
        return -1;
    if (n == 0) {
        if (c->sig_tone)
            ln->flushed = 1;    /* openr2 flushed the kernel's queue as the tone ended */
        chan_sig_tone(c, 0, 0, 0);
        return 0;
    }
    if (ln->outbound && ln->fwd && ln->rs->splice_ani && !ln->spliced) {
        const char *state = openr2_chan_get_mf_state_string(ln->r2);
        if (strcmp(state, "DNIS Digit Transmitted") == 0)
            ln->dnis_sent++;
        else if (strcmp(state, "Category Transmitted") == 0)
            splice_ani(ln);
    }
    chan_sig_tone(c, hz[pairs[n][0]], hz[pairs[n][1]], MF_LEVEL_DBM0);
    return 0;
}

static int mf_want_generate(void *handle, int signal)
{
    (void) handle;
    (void) signal;
    return 0;                   /* the engine channel sends the tone; openr2 never writes audio */
}

static int mf_generate_tone(void *handle, int16_t buffer[], int samples)
{
    (void) handle;
    (void) buffer;
    (void) samples;
    return 0;
}

/* ---- openr2's events --------------------------------------------------------------------------------- */

static void on_call_init(openr2_chan_t *r2chan)
{
    r2_line_state_t *ln = line_of(r2chan);
    call_clear(ln);
    ln->call = 1;               /* their seize: register signalling follows */
    openr2_chan_enable_read(r2chan);
    if (ln->pending_setup[0]) {
        ln->pending_setup[0] = '\0';
        tell(ln, "DISCONNECT cause=44");    /* our SETUP waiting for the guard time: their seize came first */
    }
}

static void on_call_offered(openr2_chan_t *r2chan, const char *ani, const char *dnis,
                            openr2_calling_party_category_t category)
{
    r2_line_state_t *ln = line_of(r2chan);
    char text[ENG_TEXT_MAX], a[OR2_MAX_ANI], d[OR2_MAX_DNIS];

    digits_only(a, sizeof(a), ani);
    digits_only(d, sizeof(d), dnis);
    snprintf(text, sizeof(text), "SETUP calling=%.40s called=%.40s category=%s channel=%d", a, d,
             category_name(category), ln->chanpos);
    tell(ln, text);
}

static void on_call_accepted(openr2_chan_t *r2chan, openr2_call_mode_t mode)
{
    r2_line_state_t *ln = line_of(r2chan);

    (void) mode;
    ln->accepted = 1;
    /* register signalling is over: the call's audio is the driver's from here on */
    openr2_chan_disable_read(r2chan);
    if (ln->outbound) {
        tell(ln, "ALERTING");
    } else if (ln->answer_pending) {
        ln->answer_pending = 0;
        openr2_chan_answer_call(r2chan);
    }
}

static void on_call_answered(openr2_chan_t *r2chan)
{
    r2_line_state_t *ln = line_of(r2chan);
    openr2_chan_disable_read(r2chan);
    tell(ln, "CONNECT");
}

static void on_call_disconnect(openr2_chan_t *r2chan, openr2_call_disconnect_cause_t cause)
{
    r2_line_state_t *ln = line_of(r2chan);
    char text[80];
    int sig = openr2_chan_get_rx_mf_signal(r2chan);

    if (ln->we_cleared) {
        /* both ends cleared at once: ours is told already; complete theirs */
        openr2_chan_disconnect_call(r2chan, OR2_CAUSE_NORMAL_CLEARING);
        return;
    }
    ln->remote_cleared = 1;
    if (ln->outbound && !ln->mf_started && cause == OR2_CAUSE_FORCED_RELEASE)
        /* their seize where we waited for the acknowledgement of ours: double seizure (openr2 reads the
         * seize pattern as a forced release, China and ITU alike) */
        snprintf(text, sizeof(text), "DISCONNECT cause=%d r2_error=double_seizure", CAUSE_CHAN_UNAVAIL);
    else if (!ln->accepted && ln->outbound && signal_number(sig))
        snprintf(text, sizeof(text), "DISCONNECT cause=%d signal=B-%d", q850_of(cause), signal_number(sig));
    else
        snprintf(text, sizeof(text), "DISCONNECT cause=%d", q850_of(cause));
    tell(ln, text);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_call_end(openr2_chan_t *r2chan)
{
    r2_line_state_t *ln = line_of(r2chan);
    int cleared = ln->we_cleared;

    chan_sig_tone(eng_chan(ln->rs->eng, ln->chan), 0, 0, 0);
    call_clear(ln);
    ln->idle_at_ms = now_ms();
    openr2_chan_enable_read(r2chan);
    if (cleared)
        tell(ln, "RELEASE");
    /* a SETUP waiting for this end is placed by r2_span_poll once the guard time is over */
}

static void on_protocol_error(openr2_chan_t *r2chan, openr2_protocol_error_t error)
{
    r2_line_state_t *ln = line_of(r2chan);
    char text[120];
    int had_call = ln->call, outbound = ln->outbound, accepted = ln->accepted;

    if (had_call && (ln->we_cleared || ln->remote_cleared == 2)) {
        /* the call was already being cleared (by us, or their clearing answered): that ends it */
        on_call_end(r2chan);
        return;
    }
    /* openr2 has put the line back to idle */
    chan_sig_tone(eng_chan(ln->rs->eng, ln->chan), 0, 0, 0);
    call_clear(ln);
    openr2_chan_enable_read(r2chan);
    if (!had_call)
        return;
    /* our seize met theirs (double seizure): the channel was not available */
    snprintf(text, sizeof(text), "DISCONNECT cause=%d r2_error=%s",
             outbound && !accepted && error == OR2_INVALID_CAS_BITS ? CAUSE_CHAN_UNAVAIL : CAUSE_PROTOCOL,
             openr2_proto_get_error(error));
    for (char *p = strstr(text, "r2_error="); p && *p; p++)
        if (*p == ' ')
            *p = '_';
    tell(ln, text);
}

static void on_line_blocked(openr2_chan_t *r2chan)
{
    r2_line_state_t *ln = line_of(r2chan);
    if (!ln->blocked) {
        ln->blocked = 1;
        tell(ln, "BLOCKED");
    }
}

static void on_line_idle(openr2_chan_t *r2chan)
{
    r2_line_state_t *ln = line_of(r2chan);
    if (ln->blocked) {
        ln->blocked = 0;
        tell(ln, "IDLE");
    }
}

static void on_hardware_alarm(openr2_chan_t *r2chan, int alarm)
{
    r2_line_state_t *ln = line_of(r2chan);
    (void) alarm;
    ln->rs->alarm_changed = 1;
}

static void on_os_error(openr2_chan_t *r2chan, int err)
{
    r2_line_state_t *ln = line_of(r2chan);
    char text[120];
    if (err == EAGAIN || err == EINTR)
        return;
    snprintf(text, sizeof(text), "r2: DAHDI timeslot %d: %s", ln->chanpos, strerror(err));
    eng_emit(ln->rs->eng, EV_ERROR, ln->chan, 0, ENG_ESYS, 0, 0, 0, text);
}

static int on_dnis_digit(openr2_chan_t *r2chan, char digit)
{
    (void) r2chan;
    (void) digit;
    return 1;                   /* ask for more until the span's max_dnis (or the caller has no more) */
}

static void on_context_log(openr2_context_t *ctx, openr2_log_level_t level, const char *fmt, va_list ap)
{
    (void) ctx;
    if (level & (OR2_LOG_ERROR | OR2_LOG_WARNING) || getenv("TELEPHONIST_R2_DEBUG")) {
        fprintf(stderr, "openr2: ");
        vfprintf(stderr, fmt, ap);
    }
}

static void on_chan_log(openr2_chan_t *r2chan, openr2_log_level_t level, const char *fmt, va_list ap)
{
    r2_line_state_t *ln = line_of(r2chan);
    if (!ln || !(ln->rs->debug || level & OR2_LOG_ERROR))
        return;
    fprintf(stderr, "openr2 [ts %d]: ", ln->chanpos);
    vfprintf(stderr, fmt, ap);
}

/* ---- the lines' messages ------------------------------------------------------------------------------ */

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

static void refuse(r2_line_state_t *ln, int cause)
{
    char text[48];
    snprintf(text, sizeof(text), "DISCONNECT cause=%d", cause);
    tell(ln, text);
}

static void place_call(r2_line_state_t *ln, const char *msg)
{
    char calling[64], called[64], cat[32], a[OR2_MAX_ANI], d[OR2_MAX_DNIS];
    int category = ln->rs->category;

    field(msg, "calling", calling, sizeof(calling));
    field(msg, "called", called, sizeof(called));
    if (field(msg, "category", cat, sizeof(cat)) && cat[0] && category_of(cat) >= 0)
        category = category_of(cat);
    digits_only(a, sizeof(a), calling);
    digits_only(d, sizeof(d), called);
    if (ln->blocked) {
        refuse(ln, CAUSE_NO_CIRCUIT);
        return;
    }
    call_clear(ln);
    ln->call = ln->outbound = 1;
    snprintf(ln->ani, sizeof(ln->ani), "%s", a);
    openr2_chan_enable_read(ln->r2);
    if (!d[0] || openr2_chan_make_call(ln->r2, a[0] ? a : NULL, d, (openr2_calling_party_category_t) category) < 0) {
        /* openr2 refuses to seize a line whose far end is not idle: their seize is on its way. It reads the
         * bits first, so their call may have begun inside make_call (on_call_init): that call stays. */
        int theirs = strcmp(openr2_chan_get_rx_cas_string(ln->r2), "IDLE") != 0;
        if (!(ln->call && !ln->outbound))
            call_clear(ln);
        refuse(ln, theirs || ln->call ? CAUSE_CHAN_UNAVAIL : CAUSE_TEMP_FAILURE);
    }
}

/*
 * A seize right after a call's end: the far end may still be finishing the release of the last call
 * (seen on the loopback: openr2's called side then lost the first MF digit of the new call). A SETUP in
 * the guard time, or while the last call is still clearing, waits and is placed by r2_span_poll.
 */
static void cmd_setup(r2_line_state_t *ln, const char *msg)
{
    int guard = ln->idle_at_ms && now_ms() - ln->idle_at_ms < RESEIZE_GUARD_MS;
    if (((ln->call && (ln->we_cleared || ln->remote_cleared)) || (!ln->call && guard)) && !ln->pending_setup[0]) {
        snprintf(ln->pending_setup, sizeof(ln->pending_setup), "%s", msg);
        return;
    }
    if (ln->call) {
        refuse(ln, CAUSE_CHAN_UNAVAIL);     /* their seize came first */
        return;
    }
    place_call(ln, msg);
}

static int do_command(r2_line_state_t *ln, const char *msg)
{
    char kind[16];
    size_t n = strcspn(msg, " ");

    snprintf(kind, sizeof(kind), "%.*s", (int) (n < sizeof(kind) ? n : sizeof(kind) - 1), msg);
    if (strcmp(kind, "SETUP") == 0) {
        cmd_setup(ln, msg);
    } else if (strcmp(kind, "BLOCK") == 0) {
        if (!ln->call)
            openr2_chan_set_blocked(ln->r2);
    } else if (strcmp(kind, "UNBLOCK") == 0) {
        if (!ln->call)
            openr2_chan_set_idle(ln->r2);
    } else if (!ln->call) {
        if (strcmp(kind, "DISCONNECT") == 0)
            ln->pending_setup[0] = '\0';        /* a SETUP waiting for the last call's end is given up */
        return 0;               /* the call is gone: nothing to tell openr2 */
    } else if (strcmp(kind, "PROCEEDING") == 0 || strcmp(kind, "ALERTING") == 0) {
        if (!ln->outbound && !ln->accept_sent && !ln->we_cleared) {
            ln->accept_sent = 1;
            openr2_chan_accept_call(ln->r2, OR2_CALL_WITH_CHARGE);
        }
    } else if (strcmp(kind, "CONNECT") == 0) {
        if (ln->outbound || ln->we_cleared)
            return 0;
        if (ln->accepted) {
            openr2_chan_answer_call(ln->r2);
        } else {
            ln->answer_pending = 1;
            if (!ln->accept_sent) {
                ln->accept_sent = 1;
                openr2_chan_accept_call(ln->r2, OR2_CALL_WITH_CHARGE);
            }
        }
    } else if (strcmp(kind, "DISCONNECT") == 0) {
        char v[16];
        int cause = field(msg, "cause", v, sizeof(v)) && v[0] ? atoi(v) : CAUSE_NORMAL;
        if (ln->we_cleared)
            return 0;
        ln->we_cleared = 1;
        ln->pending_setup[0] = '\0';
        if (ln->remote_cleared) {
            openr2_chan_disconnect_call(ln->r2, OR2_CAUSE_NORMAL_CLEARING);
        } else {
            chan_sig_tone(eng_chan(ln->rs->eng, ln->chan), 0, 0, 0);
            openr2_chan_disconnect_call(ln->r2, r2_cause_of(cause));
        }
    } else if (strcmp(kind, "RELEASE") == 0) {
        if (ln->remote_cleared == 1 && !ln->we_cleared) {
            ln->remote_cleared = 2;     /* their clearing answered: no RELEASE to tell back */
            openr2_chan_disconnect_call(ln->r2, OR2_CAUSE_NORMAL_CLEARING);
        }
    } else {
        char err[80];
        snprintf(err, sizeof(err), "r2: unknown signalling message '%s'", kind);
        eng_emit(ln->rs->eng, EV_ERROR, ln->chan, 0, ENG_EINVAL, 0, 0, 0, err);
    }
    return 0;
}

int r2_span_command(r2_span_t *rs, int i, const char *msg)
{
    if (i < 0 || i >= rs->nlines)
        return ENG_EINVAL;
    return do_command(&rs->line[i], msg);
}

/* ---- the driver's side ----------------------------------------------------------------------------------- */

int r2_span_poll(r2_span_t *rs, int i)
{
    r2_line_state_t *ln = &rs->line[i];
    openr2_chan_process_event(ln->r2);
    if (ln->pending_setup[0] && !ln->call && now_ms() - ln->idle_at_ms >= RESEIZE_GUARD_MS) {
        char msg[ENG_TEXT_MAX];
        snprintf(msg, sizeof(msg), "%s", ln->pending_setup);
        ln->pending_setup[0] = '\0';
        place_call(ln, msg);
    }
    return openr2_chan_get_read_enabled(ln->r2);
}

void r2_span_event(r2_span_t *rs, int i)
{
    openr2_chan_process_event(rs->line[i].r2);
}

int r2_span_take_flush(r2_span_t *rs, int i)
{
    int f = rs->line[i].flushed;
    rs->line[i].flushed = 0;
    return f;
}

int r2_span_take_alarm(r2_span_t *rs)
{
    int a = rs->alarm_changed;
    rs->alarm_changed = 0;
    return a;
}

r2_span_t *r2_span_new(engine_t *e, const r2_line_t *lines, int n, const char *variant, int max_ani, int max_dnis,
                       const char *category, const char *timers, char *err, size_t errlen)
{
    r2_span_t *rs;
    openr2_variant_t var = openr2_proto_get_variant(variant_name(variant ? variant : "china"));
    int i, cat = category && category[0] ? category_of(category) : OR2_CALLING_PARTY_CATEGORY_NATIONAL_SUBSCRIBER;

    if (var == OR2_VAR_UNKNOWN) {
        snprintf(err, errlen, "r2: variant '%s': use china, itu, or one of openr2's (ar, br, cz, co, ec, id, mx, "
                 "ph, ve)", variant ? variant : "");
        return NULL;
    }
    if (cat < 0) {
        snprintf(err, errlen, "r2: category '%s': use subscriber, priority, test, international, "
                 "international_priority, collect or unknown", category);
        return NULL;
    }
    if (max_ani < 0 || max_ani > OR2_MAX_ANI - 1 || max_dnis < 1 || max_dnis > OR2_MAX_DNIS - 1) {
        snprintf(err, errlen, "r2: max_ani 0-%d and max_dnis 1-%d", OR2_MAX_ANI - 1, OR2_MAX_DNIS - 1);
        return NULL;
    }
    if ((rs = calloc(1, sizeof(*rs))) == NULL || (rs->line = calloc((size_t) n, sizeof(*rs->line))) == NULL) {
        free(rs);
        snprintf(err, errlen, "r2: out of memory");
        return NULL;
    }
    rs->eng = e;
    rs->nlines = n;
    rs->category = cat;
    rs->splice_ani = var == OR2_VAR_CHINA;
    rs->debug = getenv("TELEPHONIST_R2_DEBUG") != NULL;
    /* openr2's own MF detector (NULL members: its defaults); our generator through the engine channel */
    rs->mf.mf_write_init = mf_write_init;
    rs->mf.mf_select_tone = mf_select_tone;
    rs->mf.mf_want_generate = mf_want_generate;
    rs->mf.mf_generate_tone = mf_generate_tone;
    rs->ev.on_call_init = on_call_init;
    rs->ev.on_call_offered = on_call_offered;
    rs->ev.on_call_accepted = on_call_accepted;
    rs->ev.on_call_answered = on_call_answered;
    rs->ev.on_call_disconnect = on_call_disconnect;
    rs->ev.on_call_end = on_call_end;
    rs->ev.on_hardware_alarm = on_hardware_alarm;
    rs->ev.on_os_error = on_os_error;
    rs->ev.on_protocol_error = on_protocol_error;
    rs->ev.on_line_blocked = on_line_blocked;
    rs->ev.on_line_idle = on_line_idle;
    rs->ev.on_context_log = on_context_log;
    rs->ev.on_dnis_digit_received = on_dnis_digit;
    if ((rs->ctx = openr2_context_new(&rs->mf, &rs->ev, NULL, var, max_ani, max_dnis)) == NULL) {
        snprintf(err, errlen, "r2: openr2 refused the variant '%s'", variant);
        r2_span_free(rs);
        return NULL;
    }
    openr2_context_set_log_level(rs->ctx, rs->debug ? OR2_LOG_ALL : OR2_LOG_ERROR | OR2_LOG_WARNING);
    if (set_timers(rs->ctx, timers, err, errlen) < 0) {
        r2_span_free(rs);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        r2_line_state_t *ln = &rs->line[i];
        ln->rs = rs;
        ln->idx = i;
        ln->fd = lines[i].fd;
        ln->chan = lines[i].chan;
        ln->chanpos = lines[i].chanpos;
        ln->r2 = openr2_chan_new_from_fd(rs->ctx, ln->fd, ln, NULL);
        if (!ln->r2) {
            snprintf(err, errlen, "r2: timeslot %d: openr2 refused the channel: %s (system.conf: cas=N:1101 "
                     "for its DAHDI channel, then run dahdi_cfg)", ln->chanpos,
                     openr2_context_error_string(openr2_context_get_last_error(rs->ctx)));
            r2_span_free(rs);
            return NULL;
        }
        openr2_chan_set_client_data(ln->r2, ln);
        openr2_chan_set_logging_func(ln->r2, on_chan_log);
        if (rs->debug)
            openr2_chan_set_log_level(ln->r2, OR2_LOG_ALL);
        openr2_chan_set_idle(ln->r2);
        openr2_chan_handle_cas(ln->r2);
    }
    return rs;
}

void r2_span_free(r2_span_t *rs)
{
    if (!rs)
        return;
    /* the context deletes its channels; their descriptors stay the driver's (new_from_fd) */
    if (rs->ctx)
        openr2_context_delete(rs->ctx);
    free(rs->line);
    free(rs);
}

#else /* built without libopenr2-dev */

int r2_available(void)
{
    return 0;
}

r2_span_t *r2_span_new(engine_t *e, const r2_line_t *lines, int n, const char *variant, int max_ani, int max_dnis,
                       const char *category, const char *timers, char *err, size_t errlen)
{
    (void) e; (void) lines; (void) n; (void) variant; (void) max_ani; (void) max_dnis; (void) category; (void) timers;
    snprintf(err, errlen, "this engine was built without openr2 (install Debian's libopenr2-dev and rebuild)");
    return NULL;
}

int r2_span_poll(r2_span_t *rs, int i)
{
    (void) rs; (void) i;
    return 0;
}

void r2_span_event(r2_span_t *rs, int i)
{
    (void) rs; (void) i;
}

int r2_span_command(r2_span_t *rs, int i, const char *msg)
{
    (void) rs; (void) i; (void) msg;
    return ENG_EINVAL;
}

int r2_span_take_flush(r2_span_t *rs, int i)
{
    (void) rs; (void) i;
    return 0;
}

int r2_span_take_alarm(r2_span_t *rs)
{
    (void) rs;
    return 0;
}

void r2_span_free(r2_span_t *rs)
{
    (void) rs;
}

#endif
