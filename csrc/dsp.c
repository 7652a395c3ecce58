/*
 * Detectors and generators a channel turns on as it needs them: DTMF (spandsp
 * dtmf_rx, tuned to ITU-T Q.24), voice activity, fax connect tones (CNG/CED),
 * and, through callerid.c and progress.c, caller ID and call progress tones.
 * Detectors are created when a feature is enabled and freed when disabled,
 * so an idle channel costs nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

#define VAD_THRESHOLD 16000     /* mean square, about -42 dBm0 */
#define VAD_ON_FRAMES 2         /* 40 ms of energy starts a voice run */
#define VAD_OFF_MS 600          /* this much quiet ends it */

/*
 * Q.24 gate. spandsp's detector decides on 102-sample blocks, whose filters
 * are too wide to tell a tone 1.5 % off (accept) from one 3.5 % off (reject)
 * where a tone has no neighbour to compare with (697 Hz measured accepted at
 * -3.8 %), and whose twist limits vary by a dB from digit to digit (7 and *
 * lost at 7.5 dB of twist, others kept at 8.1 dB). So spandsp runs with a
 * little more room (DTMF_SPANDSP_*), and each digit it reports is checked
 * here on the last 64 ms of audio: Hann windows of 16 ms every 4 ms at the
 * digit's two nominal frequencies give each tone's energy (the twist) and,
 * from the phase turn between windows, its frequency offset.
 */
#define DTMF_GATE_HIST 512          /* samples kept: 64 ms covers a digit's onset */
#define DTMF_GATE_WIN 128
#define DTMF_GATE_HOP 32            /* phase turn unambiguous within +/-125 Hz */
#define DTMF_MAX_DEV 0.025          /* Q.24: accept 1.5 %, reject 3.5 %: cut half way */
#define DTMF_TWIST_DB 8.0           /* low group louder than the high group */
#define DTMF_REV_TWIST_DB 4.0       /* high group louder than the low group */
#define DTMF_SPANDSP_TWIST_DB 10.0f
#define DTMF_SPANDSP_REV_TWIST_DB 6.0f

struct dtmf_gate_s {
    int16_t hist[DTMF_GATE_HIST];   /* the latest samples, a ring: hist[pos] is the oldest */
    int pos;
    float win[DTMF_GATE_WIN];       /* the Hann window, made once per detector */
};

static const char dtmf_keys[] = "123A456B789C*0#D";
static const double dtmf_row_hz[4] = {697.0, 770.0, 852.0, 941.0};
static const double dtmf_col_hz[4] = {1209.0, 1336.0, 1477.0, 1633.0};

static void gate_init(struct dtmf_gate_s *g)
{
    int i;
    for (i = 0; i < DTMF_GATE_WIN; i++)
        g->win[i] = (float) (0.5 - 0.5 * cos(2.0 * M_PI * i / DTMF_GATE_WIN));
    g->pos = 0;
}

/* Every frame: a ring, so keeping 64 ms costs one copy of the frame, no shifting. */
static void gate_push(struct dtmf_gate_s *g, const int16_t *amp, int n)
{
    while (n > 0) {
        int k = DTMF_GATE_HIST - g->pos;
        if (k > n)
            k = n;
        memcpy(g->hist + g->pos, amp, sizeof(int16_t) * (size_t) k);
        g->pos = (g->pos + k) % DTMF_GATE_HIST;
        amp += k;
        n -= k;
    }
}

/* Energy at f over the history and the tone's offset from f in Hz. Only run
 * when spandsp reports a digit; a rotating phasor replaces sin/cos per sample. */
static void gate_measure(const struct dtmf_gate_s *g, double f, double *energy, double *dev_hz)
{
    double w = 2.0 * M_PI * f / SAMPLE_RATE;
    double cw = cos(w), sw = sin(w);
    double pre = 0.0, pim = 0.0, lre = 0.0, lim = 0.0, en = 0.0;
    float x[DTMF_GATE_HIST];
    int b, i, first = 1;

    for (i = 0; i < DTMF_GATE_HIST; i++)        /* oldest first */
        x[i] = g->hist[(g->pos + i) % DTMF_GATE_HIST];
    for (b = 0; b + DTMF_GATE_WIN <= DTMF_GATE_HIST; b += DTMF_GATE_HOP) {
        double re = 0.0, im = 0.0;
        double cr = cos(w * b), ci = sin(w * b);
        for (i = 0; i < DTMF_GATE_WIN; i++) {
            double v = x[b + i] * g->win[i];
            double t = cr * cw - ci * sw;
            re += v * cr;
            im -= v * ci;
            ci = ci * cw + cr * sw;
            cr = t;
        }
        en += re * re + im * im;
        if (!first) {
            /* X_k times the conjugate of X_k-1 turns by the offset times the hop */
            pre += re * lre + im * lim;
            pim += im * lre - re * lim;
        }
        lre = re;
        lim = im;
        first = 0;
    }
    *energy = en;
    *dev_hz = atan2(pim, pre) * SAMPLE_RATE / (2.0 * M_PI * DTMF_GATE_HOP);
}

/* Does the digit spandsp reported pass Q.24's frequency and twist limits? */
static int gate_accepts(const struct dtmf_gate_s *g, int code)
{
    const char *k = strchr(dtmf_keys, code);
    double flo, fhi, elo, ehi, dlo, dhi, twist;

    if (!g || !k || !code)
        return 1;
    flo = dtmf_row_hz[(k - dtmf_keys) / 4];
    fhi = dtmf_col_hz[(k - dtmf_keys) % 4];
    gate_measure(g, flo, &elo, &dlo);
    gate_measure(g, fhi, &ehi, &dhi);
    if (elo <= 0.0 || ehi <= 0.0)
        return 0;
    if (fabs(dlo) > DTMF_MAX_DEV * flo || fabs(dhi) > DTMF_MAX_DEV * fhi)
        return 0;
    twist = 10.0 * log10(elo / ehi);
    return twist <= DTMF_TWIST_DB && twist >= -DTMF_REV_TWIST_DB;
}

static void dtmf_report(void *user_data, int code, int level, int delay)
{
    chan_t *c = user_data;
    engine_t *e = c->span->eng;
    char d[2] = {0, 0};

    (void) delay;
    if (code && c->dtmf_digit) {
        /* a new digit without a gap: the old one ended */
        dtmf_report(user_data, 0, level, delay);
    }
    if (code) {
        if (!gate_accepts(c->dtmf_gate, code))
            return;
        c->dtmf_digit = (char) code;
        c->dtmf_began_ms = e->now_ms;
        d[0] = (char) code;
        eng_emit(e, EV_DTMF_BEGIN, c->id, 0, 0, level, 0, 0, d);
        play_on_dtmf(e, c);
    } else if (c->dtmf_digit) {
        d[0] = c->dtmf_digit;
        c->dtmf_digit = 0;
        eng_emit(e, EV_DTMF, c->id, 0, (int) (e->now_ms - c->dtmf_began_ms), level, 0, 0, d);
        rec_on_dtmf(e, c, d[0]);
    }
}

static void faxtone_report(void *user_data, int code, int level, int delay)
{
    chan_t *c = user_data;
    (void) level;
    (void) delay;
    if (code == MODEM_CONNECT_TONES_FAX_CNG)
        eng_emit(c->span->eng, EV_FAXTONE, c->id, 0, 1, 0, 0, 0, "CNG");
    else if (code == MODEM_CONNECT_TONES_FAX_CED || code == MODEM_CONNECT_TONES_FAX_PREAMBLE
             || code == MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE)
        eng_emit(c->span->eng, EV_FAXTONE, c->id, 0, 1, 0, 0, 0, "CED");
}

int dsp_set(engine_t *e, chan_t *c, int features)
{
    (void) e;
    if ((features & ENG_DSP_DTMF) && !c->dtmf_rx) {
        c->dtmf_rx = dtmf_rx_init(NULL, NULL, NULL);
        c->dtmf_gate = calloc(1, sizeof(*c->dtmf_gate));
        if (c->dtmf_gate)
            gate_init(c->dtmf_gate);
        /* Q.24: no dial-tone filter (it costs 60 % more and lines here are
         * answered), twist limits 8 dB normal (low group louder) and 4 dB
         * reverse, enforced by the gate above (spandsp gets 2 dB more room),
         * and a -30 dBm0 sensitivity floor per tone. */
        dtmf_rx_parms(c->dtmf_rx, 0, DTMF_SPANDSP_TWIST_DB, DTMF_SPANDSP_REV_TWIST_DB, -30.0f);
        dtmf_rx_set_realtime_callback(c->dtmf_rx, dtmf_report, c);
        c->dtmf_digit = 0;
    } else if (!(features & ENG_DSP_DTMF) && c->dtmf_rx) {
        dtmf_rx_free(c->dtmf_rx);
        c->dtmf_rx = NULL;
        free(c->dtmf_gate);
        c->dtmf_gate = NULL;
    }
    if ((features & ENG_DSP_FAXTONE) && !c->cng_rx) {
        c->cng_rx = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CNG, faxtone_report, c);
        c->ced_rx = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CED, faxtone_report, c);
    } else if (!(features & ENG_DSP_FAXTONE) && c->cng_rx) {
        modem_connect_tones_rx_free(c->cng_rx);
        modem_connect_tones_rx_free(c->ced_rx);
        c->cng_rx = c->ced_rx = NULL;
    }
    if ((features & ENG_DSP_VAD) && !(c->dsp & ENG_DSP_VAD)) {
        c->vad_state = 0;
        c->vad_loud_frames = c->vad_quiet_frames = 0;
    }
    cid_rx_enable(e, c, (features & ENG_DSP_CID) != 0);
    progress_enable(e, c, (features & ENG_DSP_PROGRESS) != 0);
    c->dsp = features;
    return 0;
}

static void vad_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    int64_t sum = 0;
    int i;
    for (i = 0; i < n; i++)
        sum += (int32_t) amp[i] * amp[i];
    if (sum / n > VAD_THRESHOLD) {
        c->vad_quiet_frames = 0;
        if (!c->vad_state && ++c->vad_loud_frames >= VAD_ON_FRAMES) {
            c->vad_state = 1;
            c->vad_since_ms = e->now_ms - (int64_t) (VAD_ON_FRAMES - 1) * e->frame_ms;
            eng_emit(e, EV_VAD, c->id, 0, 1, 0, 0, 0, NULL);
        }
    } else {
        c->vad_loud_frames = 0;
        if (c->vad_state && ++c->vad_quiet_frames * e->frame_ms >= VAD_OFF_MS) {
            int64_t len = e->now_ms - c->vad_since_ms - VAD_OFF_MS;
            c->vad_state = 0;
            eng_emit(e, EV_VAD, c->id, 0, 0, (int) len, 0, 0, NULL);
        }
    }
}

void dsp_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    if (c->dtmf_rx) {
        if (c->dtmf_gate)
            gate_push(c->dtmf_gate, amp, n);
        dtmf_rx(c->dtmf_rx, amp, n);
    }
    if (c->cid_rx)
        cid_rx(e, c, amp, n);
    if (c->progress)
        progress_rx(e, c, amp, n);
    if (c->cng_rx) {
        modem_connect_tones_rx(c->cng_rx, amp, n);
        modem_connect_tones_rx(c->ced_rx, amp, n);
    }
    if (c->dsp & ENG_DSP_VAD)
        vad_rx(e, c, amp, n);
}

int dsp_send_dtmf(engine_t *e, chan_t *c, int id, const char *digits, int on_ms, int off_ms)
{
    if (!c->dtmf_tx)
        c->dtmf_tx = dtmf_tx_init(NULL);
    if (c->dtmf_tx_id && c->dtmf_tx_id != id)
        eng_emit(e, EV_DTMF_SENT, c->id, c->dtmf_tx_id, ENG_END_STOPPED, 0, 0, 0, NULL);
    dtmf_tx_set_timing(c->dtmf_tx, on_ms, off_ms);
    dtmf_tx_put(c->dtmf_tx, digits, -1);
    c->dtmf_tx_id = id ? id : -1;
    return 0;
}

void dsp_tx_dtmf(engine_t *e, chan_t *c, int16_t *tx, int *have_tx)
{
    int16_t buf[MAX_FRAME];
    int n = e->frame, got, i;

    if (!c->dtmf_tx_id)
        return;
    got = dtmf_tx(c->dtmf_tx, buf, n);
    if (got < n) {
        memset(buf + got, 0, sizeof(int16_t) * (size_t) (n - got));
        eng_emit(e, EV_DTMF_SENT, c->id, c->dtmf_tx_id > 0 ? c->dtmf_tx_id : 0, ENG_END_DONE, 0, 0, 0, NULL);
        c->dtmf_tx_id = 0;
    }
    if (*have_tx) {
        for (i = 0; i < n; i++) {
            int32_t v = (int32_t) tx[i] + buf[i];
            tx[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
    } else {
        memcpy(tx, buf, sizeof(int16_t) * (size_t) n);
        *have_tx = 1;
    }
}

void dsp_free(chan_t *c)
{
    if (c->dtmf_rx)
        dtmf_rx_free(c->dtmf_rx);
    free(c->dtmf_gate);
    c->dtmf_gate = NULL;
    if (c->dtmf_tx)
        dtmf_tx_free(c->dtmf_tx);
    if (c->cng_rx)
        modem_connect_tones_rx_free(c->cng_rx);
    if (c->ced_rx)
        modem_connect_tones_rx_free(c->ced_rx);
    c->dtmf_rx = NULL;
    c->dtmf_tx = NULL;
    c->cng_rx = c->ced_rx = NULL;
}
