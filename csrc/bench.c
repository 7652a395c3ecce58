/*
 * The reference figure for `telephonist bench engine`: what the bare spandsp
 * DSP of an IVR channel (G.711 decode, dtmf_rx, G.711 encode) costs in a
 * tight C loop, measured in the same run as the engine itself.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

/*
 * The reference for `telephonist bench sip`: the bare cost of one RTP channel's frame, with no engine.
 * Channels are UDP sockets on 127.0.0.1 in pairs (2k sends to 2k+1 and back). A frame, every channel
 * A-law encodes 160 linear samples, builds the 12-byte RTP header and sendto()s the packet to its peer;
 * then every channel recvfrom()s one packet (non-blocking), checks its version and payload type, reads
 * sequence number, timestamp and SSRC, and A-law decodes the 160 bytes -- no jitter buffer, no RTCP, no
 * second recvfrom() to find the socket empty, no lock. Returns nanoseconds of this thread's CPU time per
 * channel-frame (the loopback delivery runs in the sender's system calls, so it is counted), *received:
 * packets received (frames * nchans when none was lost); -1.0 on failure.
 */
double eng_bench_bare_rtp(int frames, int nchans, int64_t *received)
{
    int *fd;
    struct sockaddr_in *addr;
    int16_t lin[160], out[160];
    uint8_t pkt[12 + 160], buf[1500];
    struct timespec t0, t1;
    uint32_t sum = 0;
    int f, ch, i, ok = 1;
    double ns;

    *received = 0;
    if (frames < 1 || nchans < 2 || nchans % 2 || nchans > ENG_MAX_BENCH_CHANNELS)
        return -1.0;
    fd = malloc(sizeof(int) * (size_t) nchans);
    addr = calloc((size_t) nchans, sizeof(*addr));
    if (!fd || !addr) {
        free(fd);
        free(addr);
        return -1.0;
    }
    for (ch = 0; ch < nchans; ch++)
        fd[ch] = -1;
    for (ch = 0; ch < nchans && ok; ch++) {
        socklen_t al = sizeof(addr[ch]);
        int rcv = 65536;
        fd[ch] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        addr[ch].sin_family = AF_INET;
        addr[ch].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd[ch] < 0 || bind(fd[ch], (struct sockaddr *) &addr[ch], sizeof(addr[ch])) < 0
            || getsockname(fd[ch], (struct sockaddr *) &addr[ch], &al) < 0)
            ok = 0;
        else
            setsockopt(fd[ch], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
    for (i = 0; i < 160; i++)
        lin[i] = (int16_t) (4000.0 * sin(2.0 * M_PI * 1000.0 * i / 8000.0));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (f = 0; f < frames && ok; f++) {
        for (ch = 0; ch < nchans; ch++) {
            uint32_t ts = (uint32_t) f * 160, ssrc = 0x5EED0000u + (uint32_t) ch;
            pkt[0] = 0x80;
            pkt[1] = 8;                                     /* PCMA */
            pkt[2] = (uint8_t) (f >> 8);
            pkt[3] = (uint8_t) f;
            pkt[4] = (uint8_t) (ts >> 24); pkt[5] = (uint8_t) (ts >> 16); pkt[6] = (uint8_t) (ts >> 8); pkt[7] = (uint8_t) ts;
            pkt[8] = (uint8_t) (ssrc >> 24); pkt[9] = (uint8_t) (ssrc >> 16); pkt[10] = (uint8_t) (ssrc >> 8);
            pkt[11] = (uint8_t) ssrc;
            for (i = 0; i < 160; i++)
                pkt[12 + i] = linear_to_alaw(lin[i]);
            sendto(fd[ch], pkt, sizeof(pkt), 0, (struct sockaddr *) &addr[ch ^ 1], sizeof(addr[0]));
        }
        for (ch = 0; ch < nchans; ch++) {
            struct sockaddr_in from;
            socklen_t fl = sizeof(from);
            ssize_t got = recvfrom(fd[ch], buf, sizeof(buf), 0, (struct sockaddr *) &from, &fl);
            if (got < 12 || (buf[0] >> 6) != 2 || (buf[1] & 0x7F) != 8)
                continue;
            sum += ((uint32_t) buf[2] << 8 | buf[3]) ^ ((uint32_t) buf[4] << 24 | (uint32_t) buf[7])
                   ^ ((uint32_t) buf[8] << 24 | buf[11]);
            for (i = 0; i < (int) got - 12 && i < 160; i++)
                out[i] = alaw_to_linear(buf[12 + i]);
            sum += (uint32_t) out[f % 160];                 /* keep the work observable */
            (*received)++;
        }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    ns = (double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec);
    for (ch = 0; ch < nchans; ch++)
        if (fd[ch] >= 0)
            close(fd[ch]);
    free(fd);
    free(addr);
    if (!ok)
        return -1.0;
    (void) sum;
    return ns / ((double) frames * nchans);
}
