/*
 * The reference figure for `telephonist bench engine`: what the bare spandsp
 * DSP of an IVR channel (G.711 decode, dtmf_rx, G.711 encode) costs in a
 * tight C loop, measured in the same run as the engine itself.
 */
#include <stdlib.h>
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
