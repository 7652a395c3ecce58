/*
 * DTMF reception to ITU-T Q.24: frequencies within 1.5 % accepted and beyond
 * 3.5 % rejected, twist up to 8 dB with the low group louder and 4 dB with
 * the high group louder, 40 ms tones accepted and 20 ms ones rejected, 40 ms
 * pauses splitting two digits.
 *
 * Two detectors listen, and a gate checks each digit either of them starts:
 *
 * - spandsp's dtmf_rx (0.0.6) wants the two tones' Goertzel outputs to hold
 *   82 % of a 102-sample block's energy, a constant no parameter changes.
 *   A 102-sample Goertzel loses 28 % of a tone 1.5 % off at 1633 Hz, so
 *   digits with both tones 1.5 % off fall short in every block and are lost
 *   (9 # C D when the tones are off in opposite directions).
 *
 * - the wide detector, ours: 8 Goertzels on 10 ms blocks, which lose at most
 *   12 % at 1.5 % off, wanting 75 % of the block's energy in the two tones
 *   and a digit in 3 blocks in a row. A block partly filled by a tone holds
 *   that fraction of a full block's share at most, so a 20 ms tone gives at
 *   most 2 such blocks and a 40 ms one at least 3: the duration limits hold
 *   with room to spare. It takes every other sample (every DTMF tone is
 *   below 2 kHz; what folds down from above is either spread, so the share
 *   test drops it, or missing at the gate's full rate), which halves its cost.
 *
 * - the gate, on the 64 ms before the moment a detector starts a digit,
 *   decides what Q.24 asks: each tone's frequency from the phase turn of
 *   16 ms Hann-windowed DFTs 4 ms apart (2.5 % accepted, half way between
 *   1.5 and 3.5), and the twist from the two tones' energies, corrected for
 *   what the window loses at the measured offset. It also asks the two tones
 *   for 90 % of the energy of the last 24 ms (a clean digit has 97 % or
 *   more; speech that happens to have two harmonics near a digit's pair has
 *   its other harmonics too): that keeps talk-off below spandsp's alone.
 *
 * A digit is reported while either detector holds it. Their block ends are
 * taken in sample order (spandsp is fed up to each of its block ends, the
 * wide detector's blocks that end by then go first), so an end and the next
 * start keep their order and a 40 ms pause is never bridged.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES 0
#include <spandsp.h>

#include "dtmf_q24.h"

#define RATE 8000
#define FULL_SCALE 32768.0

static const char keys[] = "123A456B789C*0#D";
static const double tone_hz[8] = {697.0, 770.0, 852.0, 941.0, 1209.0, 1336.0, 1477.0, 1633.0};

/* What spandsp gets: 2 dB more twist than Q.24's 8/4 dB (the gate enforces
 * those), the dial-tone filter off (60 % more cost; lines here are answered),
 * and a -30 dBm0 floor per tone. */
#define SP_BLOCK 102                /* spandsp's block (DTMF_SAMPLES_PER_BLOCK) */
#define SP_TWIST_DB 10.0f
#define SP_REV_TWIST_DB 6.0f
#define FLOOR_DBM0 -30.0

/* The wide detector. */
#define WIDE_BLOCK 80               /* samples: 10 ms */
#define WIDE_DECIM 2                /* it takes one sample in 2 */
#define WIDE_N (WIDE_BLOCK / WIDE_DECIM)
#define WIDE_HITS_ON 3              /* blocks in a row that start a digit */
#define WIDE_MISSES_OFF 2           /* blocks in a row without it that end one */
#define WIDE_TO_TOTAL 0.75f         /* the two tones' share of the block's energy */
#define WIDE_REL_PEAK 2.0f          /* a group's best tone over its others (3 dB) */
#define WIDE_TWIST 15.8f            /* 12 dB, low group louder (the gate: 8; one block can read 2 dB off) */
#define WIDE_REV_TWIST 6.3f         /* 8 dB, high group louder (the gate: 4) */

/* The gate. */
#define GATE_HIST 512               /* samples: 64 ms cover a digit's onset */
#define GATE_WIN 128
#define GATE_HOP 32                 /* phase turn unambiguous within +/-125 Hz */
#define GATE_WINDOWS ((GATE_HIST - GATE_WIN) / GATE_HOP + 1)
#define GATE_MAX_DEV 0.025          /* Q.24: accept 1.5 %, reject 3.5 %: cut half way */
#define GATE_TWIST_DB 8.0           /* low group louder than the high group */
#define GATE_REV_TWIST_DB 4.0       /* high group louder than the low group */
#define GATE_PURE_WINDOWS 3         /* the last windows (24 ms: a detector has heard more) ... */
#define GATE_PURITY 0.90            /* ... have this much of their energy in the two tones */

/* Input is taken in slices of at most SLICE samples. The ring keeps the gate's
 * history before any moment of the slice being worked on, and is a whole
 * number of wide blocks, so a block never wraps round it. */
#define SLICE 160
#define RING (9 * WIDE_BLOCK)
#if RING < GATE_HIST + SLICE
#error "the ring must hold the gate's history and a slice"
#endif

#define SRC_SPANDSP 1
#define SRC_WIDE 2

typedef float v8f __attribute__((vector_size(32)));

/* Made once for every detector. */
static struct {
    v8f coef;                       /* 2 cos(w) of the 8 tones at the wide detector's rate */
    float wide_floor;               /* a tone's Goertzel energy there at FLOOR_DBM0 */
    float gate_re[8][GATE_WIN];     /* Hann window times cos(w i) at each tone */
    float gate_im[8][GATE_WIN];     /* ... times sin(w i) */
    float gate_hann[GATE_WIN];
    double gate_hop_turn[8];        /* w * GATE_HOP: the phase turn of a tone right on frequency */
} tab;
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

struct dtmf_q24_s {
    dtmf_rx_state_t *sp;
    uint64_t t;                     /* samples taken so far; both detectors' blocks are counted from 0 */
    uint64_t at;                    /* the moment a detector decides at (end of its block) */
    int16_t ring[RING];             /* sample number s is at ring[s % RING] */
    int wide_cand, wide_run;        /* the last block's hit and how many blocks in a row had it */
    int wide_digit, wide_misses;    /* the digit held and blocks in a row without it */
    int digit;                      /* the digit reported, 0: none */
    int level;                      /* its level when it started */
    int held;                       /* SRC_* bits: the detectors holding it now */
    dtmf_q24_report_t report;
    void *user;
};

static void tab_make(void)
{
    double amp = FULL_SCALE * pow(10.0, (FLOOR_DBM0 - DBM0_MAX_SINE_POWER) / 20.0);
    int k, i;

    for (k = 0; k < 8; k++) {
        double w = 2.0 * M_PI * tone_hz[k] / RATE;
        tab.coef[k] = (float) (2.0 * cos(w * WIDE_DECIM));
        for (i = 0; i < GATE_WIN; i++) {
            double hann = 0.5 - 0.5 * cos(2.0 * M_PI * i / GATE_WIN);
            tab.gate_hann[i] = (float) hann;
            tab.gate_re[k][i] = (float) (hann * cos(w * i));
            tab.gate_im[k][i] = (float) (hann * sin(w * i));
        }
        tab.gate_hop_turn[k] = w * GATE_HOP;
    }
    /* a tone of amplitude a fills a Goertzel of n samples with (a n / 2)^2 */
    tab.wide_floor = (float) (amp * WIDE_N / 2.0 * amp * WIDE_N / 2.0);
}

/* ---- the gate ---------------------------------------------------------- */

/* Tone k in each window of the history: its energy, corrected for the
 * window's loss at the tone's offset from k, and that offset in Hz (from the
 * energy-weighted phase turn between windows). */
static double gate_measure(const float *x, int k, double *energy)
{
    const float *wr = tab.gate_re[k], *wi = tab.gate_im[k];
    double tre = 0.0, tim = 0.0, turn, dev_hz, d;
    float lre = 0.0f, lim = 0.0f;
    int j, i;

    for (j = 0; j < GATE_WINDOWS; j++) {
        const float *v = x + j * GATE_HOP;
        float re = 0.0f, im = 0.0f;
        for (i = 0; i < GATE_WIN; i++) {
            re += v[i] * wr[i];
            im -= v[i] * wi[i];
        }
        energy[j] = (double) re * re + (double) im * im;
        /* this window times the conjugate of the last turns by the tone's frequency times the hop */
        tre += re * lre + im * lim;
        tim += im * lre - re * lim;
        lre = re;
        lim = im;
    }
    turn = atan2(tim, tre) - tab.gate_hop_turn[k];
    turn -= 2.0 * M_PI * floor((turn + M_PI) / (2.0 * M_PI));
    dev_hz = turn * RATE / (2.0 * M_PI * GATE_HOP);
    /* the Hann window's power response d bins off its centre */
    d = fabs(dev_hz) * GATE_WIN / RATE;
    if (d > 1e-6 && d < 0.9) {
        double s = sin(M_PI * d) / (M_PI * d) / (1.0 - d * d);
        for (j = 0; j < GATE_WINDOWS; j++)
            energy[j] /= s * s;
    }
    return dev_hz;
}

/* Does the digit a detector starts now pass Q.24's frequency and twist
 * limits, and are its two tones nearly all there is? */
static int gate_accepts(const dtmf_q24_t *q, int code)
{
    const char *key = strchr(keys, code);
    float x[GATE_HIST];
    double elo[GATE_WINDOWS], ehi[GATE_WINDOWS], dlo, dhi, slo = 0.0, shi = 0.0, tones = 0.0, all = 0.0, twist;
    int i, j, r, c;

    if (!key || !code)
        return 0;
    r = (int) (key - keys) / 4;
    c = (int) (key - keys) % 4;
    for (i = 0; i < GATE_HIST; i++)
        x[i] = q->ring[(q->at + RING - GATE_HIST + (uint64_t) i) % RING];
    dlo = gate_measure(x, r, elo);
    dhi = gate_measure(x, 4 + c, ehi);
    if (fabs(dlo) > GATE_MAX_DEV * tone_hz[r] || fabs(dhi) > GATE_MAX_DEV * tone_hz[4 + c])
        return 0;
    for (j = 0; j < GATE_WINDOWS; j++) {
        slo += elo[j];
        shi += ehi[j];
    }
    if (slo <= 0.0 || shi <= 0.0)
        return 0;
    twist = 10.0 * log10(slo / shi);
    if (twist > GATE_TWIST_DB || twist < -GATE_REV_TWIST_DB)
        return 0;
    for (j = GATE_WINDOWS - GATE_PURE_WINDOWS; j < GATE_WINDOWS; j++) {
        const float *v = x + j * GATE_HOP;
        float e = 0.0f;
        for (i = 0; i < GATE_WIN; i++)
            e += v[i] * tab.gate_hann[i] * v[i] * tab.gate_hann[i];
        tones += elo[j] + ehi[j];
        all += e;
    }
    /* a tone of amplitude a in a Hann window of m samples: |Y|^2 = (a m / 4)^2, sum (x w)^2 = 3 a^2 m / 16 */
    return tones >= GATE_PURITY * all * GATE_WIN / 3.0;
}

/* ---- merging the two detectors ------------------------------------------ */

static void digit_end(dtmf_q24_t *q)
{
    q->digit = 0;
    q->held = 0;
    q->report(q->user, 0, q->level);
}

/* A detector (src) starts (code) or ends (0) a digit. */
static void merge(dtmf_q24_t *q, int src, int code, int level)
{
    if (code) {
        if (code == q->digit) {         /* the other detector heard it first */
            q->held |= src;
            return;
        }
        if (q->digit)                   /* another digit without a gap: that one ended */
            digit_end(q);
        if (!gate_accepts(q, code))
            return;
        q->digit = code;
        q->level = level;
        q->held = src;
        q->report(q->user, code, level);
    } else if (q->held & src) {
        q->held &= ~src;
        if (!q->held)
            digit_end(q);
    }
}

static void sp_report(void *user, int code, int level, int delay)
{
    (void) delay;
    merge(user, SRC_SPANDSP, code, level);
}

/* ---- the wide detector ---------------------------------------------------- */

/* Goertzel energies e of the 8 tones over one block (every other sample),
 * and the energy of the samples taken. Two samples a turn, so the states
 * swap roles instead of being copied. Compiled twice where the toolchain
 * can (AVX2 and plain): the same operations in the same order either way. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
static void wide_goertzel(const int16_t *b, float *e, float *energy)
{
    const v8f c = tab.coef;
    v8f s1 = {0}, s2 = {0};
    float en = 0.0f;
    int i;

    for (i = 0; i < WIDE_BLOCK; i += 2 * WIDE_DECIM) {
        float x0 = b[i], x1 = b[i + WIDE_DECIM];
        s2 = c * s1 - s2 + x0;
        s1 = c * s2 - s1 + x1;
        en += x0 * x0 + x1 * x1;
    }
    s1 = s1 * s1 + s2 * s2 - c * s1 * s2;
    memcpy(e, &s1, sizeof(s1));
    *energy = en;
}

/* The digit this block holds, or 0. */
static int wide_hit(const float *e, float energy)
{
    int i, r = 0, c = 4;

    for (i = 1; i < 4; i++) {
        if (e[i] > e[r])
            r = i;
        if (e[4 + i] > e[c])
            c = 4 + i;
    }
    if (e[r] < tab.wide_floor || e[c] < tab.wide_floor)
        return 0;
    if (e[r] > e[c] * WIDE_TWIST || e[c] > e[r] * WIDE_REV_TWIST)
        return 0;
    for (i = 0; i < 4; i++) {
        if ((i != r && e[i] * WIDE_REL_PEAK > e[r]) || (4 + i != c && e[4 + i] * WIDE_REL_PEAK > e[c]))
            return 0;
    }
    /* a pure tone fills its Goertzel with n / 2 times its energy */
    if (e[r] + e[c] < WIDE_TO_TOTAL * (WIDE_N / 2) * energy)
        return 0;
    return keys[r * 4 + c - 4];
}

/* The block of WIDE_BLOCK samples that ends at q->at. */
static void wide_block(dtmf_q24_t *q)
{
    float e[8], energy;
    int hit;

    wide_goertzel(q->ring + (q->at + RING - WIDE_BLOCK) % RING, e, &energy);
    hit = wide_hit(e, energy);

    if (hit && hit == q->wide_cand) {
        q->wide_run++;
    } else {
        q->wide_cand = hit;
        q->wide_run = hit ? 1 : 0;
    }
    if (q->wide_digit) {
        if (hit == q->wide_digit) {
            q->wide_misses = 0;
        } else if (++q->wide_misses >= WIDE_MISSES_OFF) {
            q->wide_digit = 0;
            merge(q, SRC_WIDE, 0, 0);
        }
    }
    if (!q->wide_digit && hit && q->wide_run >= WIDE_HITS_ON) {
        q->wide_digit = hit;
        q->wide_misses = 0;
        merge(q, SRC_WIDE, hit,
              (int) lrint(10.0 * log10(energy / WIDE_N / (FULL_SCALE * FULL_SCALE) + 1e-12) + DBM0_MAX_POWER));
    }
}

/* ---- the detector ------------------------------------------------------- */

dtmf_q24_t *dtmf_q24_init(dtmf_q24_report_t report, void *user)
{
    dtmf_q24_t *q;

    pthread_once(&tab_once, tab_make);
    q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->sp = dtmf_rx_init(NULL, NULL, NULL);
    if (!q->sp) {
        free(q);
        return NULL;
    }
    dtmf_rx_parms(q->sp, 0, SP_TWIST_DB, SP_REV_TWIST_DB, (float) FLOOR_DBM0);
    dtmf_rx_set_realtime_callback(q->sp, sp_report, q);
    q->report = report;
    q->user = user;
    return q;
}

void dtmf_q24_prefetch(const dtmf_q24_t *q)
{
    const char *sp = (const char *) q->sp;
    int off;

    __builtin_prefetch(q, 1);
    __builtin_prefetch((const char *) q + 64, 1);
    for (off = 0; off < 512; off += 64)        /* spandsp's detector: its Goertzel states and decision fields */
        __builtin_prefetch(sp + off, 1);
}

void dtmf_q24_rx(dtmf_q24_t *q, const int16_t *amp, int n)
{
    while (n > 0) {
        int k = n < SLICE ? n : SLICE, pos = (int) (q->t % RING), first = RING - pos < k ? RING - pos : k;
        uint64_t t = q->t, end = q->t + (uint64_t) k;

        memcpy(q->ring + pos, amp, sizeof(int16_t) * (size_t) first);
        memcpy(q->ring, amp + first, sizeof(int16_t) * (size_t) (k - first));
        while (t < end) {
            uint64_t sp_end = t + SP_BLOCK - t % SP_BLOCK, w_end;
            if (sp_end > end)
                sp_end = end;
            /* the wide detector's blocks that end by spandsp's next decision go first */
            for (w_end = t + WIDE_BLOCK - t % WIDE_BLOCK; w_end <= sp_end; w_end += WIDE_BLOCK) {
                q->at = w_end;
                wide_block(q);
            }
            q->at = sp_end;
            dtmf_rx(q->sp, amp + (t - q->t), (int) (sp_end - t));
            t = sp_end;
        }
        q->t = end;
        amp += k;
        n -= k;
    }
}

void dtmf_q24_free(dtmf_q24_t *q)
{
    if (!q)
        return;
    dtmf_rx_free(q->sp);
    free(q);
}
