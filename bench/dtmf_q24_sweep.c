/*
 * csrc/dtmf_q24.c outside the engine, for tuning it: sweeps of synthesised
 * digits through A-law (frequency offsets x twist x levels x block phases,
 * optional white noise), the duration curve, 40 ms pauses, the level floor;
 * and digits heard in WAV files (talk-off). The pytest tests check the
 * engine through a sim line; this checks far more cases in a few seconds.
 *
 *   gcc -O2 -std=gnu11 -Icsrc -o /tmp/dtmf_q24_sweep bench/dtmf_q24_sweep.c csrc/dtmf_q24.c \
 *       -lspandsp -ltiff -lm -lpthread
 *   /tmp/dtmf_q24_sweep                  sweeps; exit status 1 when a digit is wrong
 *   /tmp/dtmf_q24_sweep --noise -45      the same with white noise at -45 dBm0
 *   /tmp/dtmf_q24_sweep a.wav b.wav ...  digits heard in 8 kHz 16-bit mono WAVs, at 3 block phases
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "dtmf_q24.h"

#define RATE 8000
#define FRAME 160

static const char ALL[] = "123A456B789C*0#D";
static const double ROW[4] = {697, 770, 852, 941}, COL[4] = {1209, 1336, 1477, 1633};

static int16_t *sig;
static long sig_len, sig_cap;
static double noise_rms;
static unsigned long long rng = 12345;
static char heard[65536];
static int nheard;

static double gauss(void)
{
    double u1, u2;
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    u1 = ((rng >> 11) + 1.0) / 9007199254740994.0;
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    u2 = (rng >> 11) / 9007199254740993.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* one sample as the far end's A-law line delivers it */
static void put(double v)
{
    long s;
    if (sig_len == sig_cap) {
        sig_cap = sig_cap ? 2 * sig_cap : 1 << 16;
        sig = realloc(sig, sizeof(*sig) * (size_t) sig_cap);
    }
    if (noise_rms > 0.0)
        v += noise_rms * gauss();
    s = lround(v);
    s = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    sig[sig_len++] = alaw_to_linear(linear_to_alaw((int16_t) s));
}

static double amplitude(double dbm0)
{
    return 32767.0 * pow(10.0, (dbm0 - DBM0_MAX_SINE_POWER) / 20.0);
}

static void silence(int samples)
{
    while (samples-- > 0)
        put(0.0);
}

static void digit(char d, int ms, double low_db, double high_db, double low_shift, double high_shift)
{
    int k = (int) (strchr(ALL, d) - ALL), i;
    double wl = 2.0 * M_PI * ROW[k / 4] * (1.0 + low_shift) / RATE, al = amplitude(low_db);
    double wh = 2.0 * M_PI * COL[k % 4] * (1.0 + high_shift) / RATE, ah = amplitude(high_db);
    for (i = 0; i < ms * RATE / 1000; i++)
        put(al * sin(wl * i) + ah * sin(wh * i));
}

/* every digit for ms, 100 ms apart, after lead samples of silence */
static void train(int lead, int ms, double low_db, double high_db, double low_shift, double high_shift)
{
    const char *p;
    silence(lead);
    for (p = ALL; *p; p++) {
        digit(*p, ms, low_db, high_db, low_shift, high_shift);
        silence(RATE / 10);
    }
}

static void report(void *user, int code, int level)
{
    (void) user;
    (void) level;
    if (code && nheard < (int) sizeof(heard) - 1) {
        heard[nheard++] = (char) code;
        heard[nheard] = '\0';
    }
}

/* the digits heard in what was put, which is then cleared */
static const char *listen(void)
{
    dtmf_q24_t *q = dtmf_q24_init(report, NULL);
    int16_t quiet[FRAME] = {0};
    long i;

    nheard = 0;
    heard[0] = '\0';
    for (i = 0; i < sig_len; i += FRAME)
        dtmf_q24_rx(q, sig + i, sig_len - i < FRAME ? (int) (sig_len - i) : FRAME);
    for (i = 0; i < 20; i++)
        dtmf_q24_rx(q, quiet, FRAME);
    dtmf_q24_free(q);
    sig_len = 0;
    return heard;
}

static int cases, wrong;

static void expect(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect(const char *want, const char *fmt, ...)
{
    const char *got = listen();
    va_list ap;
    cases++;
    if (strcmp(got, want)) {
        wrong++;
        printf("WRONG want '%s' got '%s': ", want, got);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
}

static int sweeps(void)
{
    static const double ok_shift[] = {-0.015, -0.01, 0.0, 0.01, 0.015};
    static const double ok_level[][2] = {{-10, -10}, {-6, -13.5}, {-9.5, -6}, {-20, -20}, {-26, -26}, {-3, -3}};
    static const double bad_shift[] = {-0.05, -0.04, -0.036, 0.036, 0.04, 0.05};
    static const double bad_twist[][2] = {{-6, -14.5}, {-6, -18}, {-10.5, -6}, {-14, -6}};
    static const char *pairs[] = {"55", "12", "##", "0D", "99", "DD"};
    int a, b, l, ms, lead, c0, w0, p, k;

    for (a = 0; a < 5; a++)
        for (b = 0; b < 5; b++)
            for (l = 0; l < 6; l++)
                for (ms = 40; ms <= 60; ms += 20)
                    for (lead = 0; lead < 102; lead += 17) {
                        train(lead, ms, ok_level[l][0], ok_level[l][1], ok_shift[a], ok_shift[b]);
                        expect(ALL, "offsets %+.1f/%+.1f %%, levels %.1f/%.1f dBm0, %d ms, lead %d", 100 * ok_shift[a],
                               100 * ok_shift[b], ok_level[l][0], ok_level[l][1], ms, lead);
                    }
    printf("accepted (offsets within 1.5 %% x twist and levels x 40/60 ms x 6 phases): %d of %d trains wrong\n",
           wrong, cases);
    c0 = cases;
    w0 = wrong;
    for (a = 0; a < 6; a++)
        for (k = 0; k < 4; k++)
            for (lead = 0; lead < 102; lead += 34) {
                /* the bad tone alone off, or with the other 1.5 % off the other way */
                double other = bad_shift[a] > 0 ? -0.015 : 0.015;
                double ls = k == 0 || k == 2 ? bad_shift[a] : k == 1 ? 0.0 : other;
                double hs = k == 1 || k == 3 ? bad_shift[a] : k == 0 ? 0.0 : other;
                train(lead, 60, -10, -10, ls, hs);
                expect("", "offsets %+.1f/%+.1f %%, lead %d", 100 * ls, 100 * hs, lead);
            }
    for (l = 0; l < 4; l++)
        for (a = 0; a < 5; a++)
            for (b = 0; b < 5; b++) {
                train(7, 60, bad_twist[l][0], bad_twist[l][1], ok_shift[a], ok_shift[b]);
                expect("", "twist %.1f/%.1f dBm0, offsets %+.1f/%+.1f %%", bad_twist[l][0], bad_twist[l][1],
                       100 * ok_shift[a], 100 * ok_shift[b]);
            }
    printf("rejected (beyond 3.5 %%, twist beyond 8/4 dB): %d of %d trains wrong\n", wrong - w0, cases - c0);
    for (ms = 20; ms <= 40; ms += 5) {
        int got = 0, all = 0;
        for (a = 0; a < 5; a += 2)
            for (b = 0; b < 5; b += 2)
                for (lead = 0; lead < 104; lead += 4) {
                    train(lead, ms, -10, -10, ok_shift[a], ok_shift[b]);
                    got += (int) strlen(listen());
                    all += 16;
                }
        printf("%d ms digits (offsets 0 or 1.5 %%, 26 phases): %d of %d heard\n", ms, got, all);
        if ((ms == 20 && got) || (ms == 40 && got != all))
            wrong++;
    }
    c0 = cases;
    w0 = wrong;
    for (lead = 0; lead < 120; lead += 3)
        for (p = 0; p < 6; p++) {
            silence(lead);
            digit(pairs[p][0], 40, -10, -10, 0, 0);
            silence(RATE * 40 / 1000);
            digit(pairs[p][1], 40, -10, -10, 0, 0);
            silence(RATE / 10);
            expect(pairs[p], "40 ms, 40 ms pause, 40 ms, lead %d", lead);
        }
    train(0, 60, -24, -24, 0, 0);
    expect(ALL, "-24 dBm0");
    train(0, 60, -36, -36, 0, 0);
    expect("", "-36 dBm0");
    printf("40 ms pauses and the -30 dBm0 floor: %d of %d wrong\n", wrong - w0, cases - c0);
    return wrong != 0;
}

/* 16-bit mono WAV samples after the header's "data" chunk */
static int talkoff(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char h[8];
    int16_t *pcm = NULL;
    long n = 0, i, found = 0;
    int lead;

    if (!f) {
        perror(path);
        return 1;
    }
    if (fseek(f, 12, SEEK_SET) == 0) {
        while (fread(h, 1, 8, f) == 8) {
            long size = h[4] | h[5] << 8 | h[6] << 16 | (long) h[7] << 24;
            if (!memcmp(h, "data", 4)) {
                pcm = malloc((size_t) size);
                n = (long) fread(pcm, 2, (size_t) size / 2, f);
                break;
            }
            fseek(f, size + (size & 1), SEEK_CUR);
        }
    }
    fclose(f);
    for (lead = 0; lead < 102; lead += 37) {
        silence(lead);
        for (i = 0; i < n; i++)
            put(pcm[i]);
        listen();
        found += nheard;
        printf("%s (%.1f s, lead %d): '%s'\n", path, n / (double) RATE, lead, heard);
    }
    free(pcm);
    return found != 0;
}

int main(int argc, char **argv)
{
    int i, bad = 0;

    if (argc > 2 && !strcmp(argv[1], "--noise")) {
        noise_rms = amplitude(atof(argv[2])) / sqrt(2.0);
        argc -= 2;
        argv += 2;
    }
    if (argc < 2)
        return sweeps();
    for (i = 1; i < argc; i++)
        bad |= talkoff(argv[i]);
    return bad;
}
