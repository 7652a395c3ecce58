/*
 * The reference figure for `telephonist bench engine`: what the bare spandsp
 * DSP of an IVR channel (G.711 decode, dtmf_rx, G.711 encode) costs in a
 * tight C loop, measured in the same run as the engine itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_private.h"

double eng_bench_bare_dsp(int frames, int nchans)
{
    dtmf_rx_state_t **rx = calloc((size_t) nchans, sizeof(*rx));
    uint8_t (*in)[160] = malloc((size_t) nchans * 160);
    uint8_t out[160];
    int16_t lin[160];
    struct timespec t0, t1;
    int f, ch, i;
    double ns;

    if (!rx || !in) {
        free(rx);
        free(in);
        return -1.0;
    }
    for (ch = 0; ch < nchans; ch++) {
        rx[ch] = dtmf_rx_init(NULL, NULL, NULL);
        dtmf_rx_parms(rx[ch], 0, 8.0f, 4.0f, -30.0f);
        for (i = 0; i < 160; i++)
            in[ch][i] = linear_to_alaw((int16_t) ((rand() % 2000) - 1000));
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (f = 0; f < frames; f++) {
        for (ch = 0; ch < nchans; ch++) {
            for (i = 0; i < 160; i++)
                lin[i] = alaw_to_linear(in[ch][i]);
            dtmf_rx(rx[ch], lin, 160);
            for (i = 0; i < 160; i++)
                out[i] = linear_to_alaw(lin[i]);
            in[ch][f % 160] ^= out[(f + ch) % 160] & 1;   /* keep the work observable */
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns = (double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec);
    for (ch = 0; ch < nchans; ch++)
        dtmf_rx_free(rx[ch]);
    free(rx);
    free(in);
    return ns / ((double) frames * nchans);
}

/*
 * The reference for `telephonist bench fax`: spandsp fax terminals wired back
 * to back in memory, a sender and a receiver per pair set up as the engine
 * sets up its own (V.17/V.29/V.27ter, no ECM), in a tight loop on the
 * caller's thread. Pair p starts at frame p * stagger and starts again with
 * fresh terminals when both have ended, so the loop averages over whole
 * transfers (training, pages and their TIFF I/O, the end) in every phase at
 * once. Returns nanoseconds of this thread's CPU time per pair-frame stepped; *transfers counts the
 * transfers completed (both terminals in phase E), -1.0 on failure.
 */
typedef struct {
    fax_state_t *tx, *rx;
    int ended;                  /* terminals of this pair in phase E */
    int ok;
} bare_pair_t;

static void bare_phase_e(t30_state_t *t30, void *user_data, int completion)
{
    bare_pair_t *p = user_data;
    (void) t30;
    p->ended++;
    if (completion == T30_ERR_OK)
        p->ok++;
}

static fax_state_t *bare_terminal(bare_pair_t *p, int calling, const char *path)
{
    fax_state_t *f = fax_init(NULL, calling);
    t30_state_t *t;

    if (!f)
        return NULL;
    t = fax_get_t30_state(f);
    fax_set_transmit_on_idle(f, 1);
    fax_set_tep_mode(f, 0);
    t30_set_supported_modems(t, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
    t30_set_ecm_capability(t, 0);
    t30_set_supported_compressions(t, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION);
    t30_set_phase_e_handler(t, bare_phase_e, p);
    if (calling)
        t30_set_tx_file(t, path, -1, -1);
    else
        t30_set_rx_file(t, path, -1);
    return f;
}

static void bare_stop(bare_pair_t *p)
{
    if (p->tx)
        fax_free(p->tx);
    if (p->rx)
        fax_free(p->rx);
    p->tx = p->rx = NULL;
    p->ended = 0;
}

static int bare_start(bare_pair_t *p, const char *tx_path, const char *rx_path)
{
    bare_stop(p);
    p->tx = bare_terminal(p, 1, tx_path);
    p->rx = bare_terminal(p, 0, rx_path);
    return p->tx && p->rx ? 0 : -1;
}

double eng_bench_bare_fax(const char *tx_path, const char *rx_dir, int pairs, int frames, int stagger,
                          int *transfers)
{
    bare_pair_t *pp = calloc((size_t) (pairs > 0 ? pairs : 1), sizeof(*pp));
    char (*rx_path)[1024] = calloc((size_t) (pairs > 0 ? pairs : 1), sizeof(*rx_path));
    int16_t a[160], b[160];
    struct timespec t0, t1;
    int64_t stepped = 0;
    int p, f, failed = 0;
    double ns;

    *transfers = 0;
    if (!pp || !rx_path || pairs < 1 || frames < 1) {
        free(pp);
        free(rx_path);
        return -1.0;
    }
    for (p = 0; p < pairs; p++)
        snprintf(rx_path[p], sizeof(rx_path[p]), "%s/bare-%d.tif", rx_dir, p);
    /* CPU time, not wall time: the cost of the work, whatever else shares the core */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (f = 0; f < frames && !failed; f++) {
        for (p = 0; p < pairs; p++) {
            bare_pair_t *q = &pp[p];
            int n, m;
            if (f < p * stagger)
                continue;
            if (!q->tx || q->ended == 2) {
                if (q->ended == 2)
                    (*transfers)++;
                if (bare_start(q, tx_path, rx_path[p]) < 0) {
                    failed = 1;
                    break;
                }
            }
            n = fax_tx(q->tx, a, 160);
            m = fax_tx(q->rx, b, 160);
            if (n < 160)
                memset(a + n, 0, sizeof(int16_t) * (size_t) (160 - n));
            if (m < 160)
                memset(b + m, 0, sizeof(int16_t) * (size_t) (160 - m));
            fax_rx(q->rx, a, 160);
            fax_rx(q->tx, b, 160);
            stepped++;
        }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    ns = (double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec);
    for (p = 0; p < pairs; p++)
        bare_stop(&pp[p]);
    free(pp);
    free(rx_path);
    if (failed || stepped == 0)
        return -1.0;
    return ns / (double) stepped;
}
