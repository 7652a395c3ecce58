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
 * to back in memory (a sender and a receiver per pair, V.17, no ECM), in a
 * tight loop; returns nanoseconds per pair and 20 ms frame, averaged over
 * whole transfers of the document at tx_path.
 */
double eng_bench_bare_fax(const char *tx_path, const char *rx_dir, int pairs, int frames)
{
    fax_state_t **tx = calloc((size_t) pairs, sizeof(*tx)), **rx = calloc((size_t) pairs, sizeof(*rx));
    int16_t a[160], b[160];
    struct timespec t0, t1;
    char path[1024];
    int p, f;
    double ns;

    if (!tx || !rx) {
        free(tx);
        free(rx);
        return -1.0;
    }
    for (p = 0; p < pairs; p++) {
        tx[p] = fax_init(NULL, 1);
        rx[p] = fax_init(NULL, 0);
        snprintf(path, sizeof(path), "%s/bare-%d.tif", rx_dir, p);
        t30_set_tx_file(fax_get_t30_state(tx[p]), tx_path, -1, -1);
        t30_set_rx_file(fax_get_t30_state(rx[p]), path, -1);
        t30_set_ecm_capability(fax_get_t30_state(tx[p]), 0);
        t30_set_ecm_capability(fax_get_t30_state(rx[p]), 0);
        fax_set_transmit_on_idle(tx[p], 1);
        fax_set_transmit_on_idle(rx[p], 1);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (f = 0; f < frames; f++) {
        for (p = 0; p < pairs; p++) {
            int n = fax_tx(tx[p], a, 160);
            int m = fax_tx(rx[p], b, 160);
            if (n < 160)
                memset(a + n, 0, sizeof(int16_t) * (size_t) (160 - n));
            if (m < 160)
                memset(b + m, 0, sizeof(int16_t) * (size_t) (160 - m));
            fax_rx(rx[p], a, 160);
            fax_rx(tx[p], b, 160);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ns = (double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec);
    for (p = 0; p < pairs; p++) {
        fax_free(tx[p]);
        fax_free(rx[p]);
    }
    free(tx);
    free(rx);
    return ns / ((double) frames * pairs);
}
