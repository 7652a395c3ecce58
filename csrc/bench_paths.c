/*
 * Micro-benchmarks of the engine's per-frame hot paths, for pytest-benchmark (bench/): each runs
 * one path over many frames in a C loop on the caller's thread, with the engine's own code, so
 * that what Python costs per call does not count. Each returns nanoseconds per frame (per
 * conference-frame for the mix) of wall time, or -1.0 for arguments out of range, and keeps its
 * result observable so that the compiler cannot drop the work.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dtmf_q24.h"
#include "engine_private.h"

#define BENCH_MAX_FRAMES 100000000

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A frame of speech-like noise (a random walk), the same on every run. */
static void noise_frame(int16_t *out, int n, unsigned seed)
{
    int i, v = 0;
    for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v += (int) ((seed >> 16) % 2001) - 1000;
        v = v > 12000 ? 12000 : v < -12000 ? -12000 : v;
        out[i] = (int16_t) v;
    }
}

double eng_bench_g711(int codec, int encode, int frames)
{
    engine_t *e;
    int16_t lin[160];
    uint8_t raw[160];
    int64_t t0, t1;
    unsigned sink = 0;
    int f;

    if ((codec != ENG_CODEC_ALAW && codec != ENG_CODEC_ULAW) || frames < 1 || frames > BENCH_MAX_FRAMES)
        return -1.0;
    if ((e = calloc(1, sizeof(*e))) == NULL)
        return -1.0;
    codec_tables_init(e);
    noise_frame(lin, 160, 1);
    codec_encode(codec, lin, raw, 160);
    t0 = now_ns();
    for (f = 0; f < frames; f++) {
        if (encode) {
            codec_encode(codec, lin, raw, 160);
            lin[f % 160] ^= raw[(f + 7) % 160] & 1;
        } else {
            codec_decode(e, codec, raw, lin, 160);
            raw[f % 160] ^= (uint8_t) (lin[(f + 7) % 160] & 1);
        }
    }
    t1 = now_ns();
    for (f = 0; f < 160; f++)
        sink += raw[f] + (unsigned) lin[f];
    free(e);
    return (double) (t1 - t0 + (sink == 0xFFFFFFFFu)) / frames;
}

static void count_digit(void *user, int code, int level)
{
    (void) level;
    if (code)
        (*(int *) user)++;
}

double eng_bench_dtmf(int frames, int *digits)
{
    enum { LOOP_FRAMES = 100 };      /* 2 s: ten digits of 100 ms with 100 ms gaps */
    int16_t *audio = malloc(sizeof(int16_t) * 160 * LOOP_FRAMES);
    dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
    dtmf_q24_t *rx;
    int64_t t0, t1;
    int f, got;

    *digits = 0;
    if (!audio || !tx || frames < 1 || frames > BENCH_MAX_FRAMES) {
        free(audio);
        if (tx)
            dtmf_tx_free(tx);
        return -1.0;
    }
    /* what the line carries: DTMF over a little noise */
    dtmf_tx_set_timing(tx, 100, 100);
    dtmf_tx_put(tx, "1234567890", -1);
    got = dtmf_tx(tx, audio, 160 * LOOP_FRAMES);
    memset(audio + got, 0, sizeof(int16_t) * (size_t) (160 * LOOP_FRAMES - got));
    for (f = 0; f < 160 * LOOP_FRAMES; f++)
        audio[f] = (int16_t) (audio[f] + ((f * 7919) % 61) - 30);
    dtmf_tx_free(tx);
    rx = dtmf_q24_init(count_digit, digits);
    t0 = now_ns();
    for (f = 0; f < frames; f++)
        dtmf_q24_rx(rx, audio + 160 * (f % LOOP_FRAMES), 160);
    t1 = now_ns();
    dtmf_q24_free(rx);
    free(audio);
    return (double) (t1 - t0) / frames;
}

static const driver_ops_t bench_ops = {.name = "bench"};

double eng_bench_conf_mix(int members, int frames)
{
    engine_t *e;
    span_t *s;
    int64_t t0, t1;
    int i, f;
    double ns = -1.0;

    if (members < 2 || members > ENG_MAX_BENCH_CHANNELS || frames < 1 || frames > BENCH_MAX_FRAMES)
        return -1.0;
    if ((e = eng_new(160, members)) == NULL)
        return -1.0;
    if ((s = eng_new_span(e, &bench_ops, NULL)) == NULL)
        goto out;
    for (i = 0; i < members; i++) {
        chan_t *c = eng_new_channel(e, s, ENG_KIND_E1, ENG_CODEC_ALAW, 0);
        if (!c || conf_join(e, c, 1, ENG_CONF_SPEAK, -1) < 0)
            goto out;
        noise_frame(c->rx_lin, 160, (unsigned) i + 1);
        c->rx_lin_valid = 1;       /* what chan_rx decoded this tick */
    }
    t0 = now_ns();
    for (f = 0; f < frames; f++) {
        conf_mix(e);
        e->chans[f % members]->rx_lin[f % 160] ^= e->chans[(f + 1) % members]->conf_out[f % 160] & 1;
    }
    t1 = now_ns();
    ns = (double) (t1 - t0) / frames;
out:
    eng_free(e);
    return ns;
}
