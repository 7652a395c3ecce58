/*
 * G.711 for the engine: decoding through 256-entry tables built once per
 * engine (a table lookup is cheaper than spandsp's bit arithmetic when every
 * channel decodes every frame), and encoding through tables too, filled once
 * per process from spandsp's own coders. spandsp's linear_to_alaw/ulaw branch
 * on the segment of every sample; on fax and speech those branches are hard to
 * predict, and encoding was the media thread's largest cost in `bench fax`
 * (perf: 3.7 % of the engine's CPU, more than the rest of the media thread).
 *
 * A-law looks at the top 12 bits of a sample only: a negative sample is
 * complemented (-x - 1 = ~x) and every segment shifts at least the lowest four
 * bits out, so 4,096 entries indexed by the sample's top 12 bits are exact.
 * mu-law adds its bias before it shifts, so every bit can carry: 65,536
 * entries. eng_g711_check compares both with spandsp's coders on every sample.
 */
#include <pthread.h>
#include <string.h>

#include "engine_private.h"

static uint8_t alaw_of_top12[4096];
static uint8_t ulaw_of_sample[65536];
static pthread_once_t encode_tables_once = PTHREAD_ONCE_INIT;

static void encode_tables_fill(void)
{
    int i;

    for (i = 0; i < 65536; i++) {
        if ((i & 0xF) == 0)
            alaw_of_top12[i >> 4] = linear_to_alaw((int16_t) (uint16_t) i);
        ulaw_of_sample[i] = linear_to_ulaw((int16_t) (uint16_t) i);
    }
}

void codec_tables_init(engine_t *e)
{
    int i;
    for (i = 0; i < 256; i++) {
        e->alaw_to_lin[i] = alaw_to_linear((uint8_t) i);
        e->ulaw_to_lin[i] = ulaw_to_linear((uint8_t) i);
    }
    e->silence_byte[ENG_CODEC_ALAW] = 0xD5;
    e->silence_byte[ENG_CODEC_ULAW] = 0xFF;
    e->silence_byte[ENG_CODEC_LINEAR] = 0;
    pthread_once(&encode_tables_once, encode_tables_fill);
}

int codec_bytes_per_sample(int codec)
{
    return codec == ENG_CODEC_LINEAR ? 2 : 1;
}

void codec_decode(const engine_t *e, int codec, const uint8_t *in, int16_t *out, int n)
{
    int i;
    const int16_t *t;

    if (codec == ENG_CODEC_LINEAR) {
        memcpy(out, in, (size_t) n * 2);
        return;
    }
    t = codec == ENG_CODEC_ALAW ? e->alaw_to_lin : e->ulaw_to_lin;
    for (i = 0; i < n; i++)
        out[i] = t[in[i]];
}

void codec_encode(int codec, const int16_t *in, uint8_t *out, int n)
{
    int i;

    pthread_once(&encode_tables_once, encode_tables_fill);     /* callers without an engine (benchmarks) */
    if (codec == ENG_CODEC_ALAW) {
        for (i = 0; i < n; i++)
            out[i] = alaw_of_top12[(uint16_t) in[i] >> 4];
    } else if (codec == ENG_CODEC_ULAW) {
        for (i = 0; i < n; i++)
            out[i] = ulaw_of_sample[(uint16_t) in[i]];
    } else {
        memcpy(out, in, (size_t) n * 2);
    }
}

int eng_g711_check(int codec)
{
    int16_t in[256];
    uint8_t out[256];
    int i, j, wrong = 0;

    if (codec != ENG_CODEC_ALAW && codec != ENG_CODEC_ULAW)
        return -1;
    for (i = 0; i < 65536; i += 256) {
        for (j = 0; j < 256; j++)
            in[j] = (int16_t) (uint16_t) (i + j);
        codec_encode(codec, in, out, 256);
        for (j = 0; j < 256; j++)
            wrong += out[j] != (codec == ENG_CODEC_ALAW ? linear_to_alaw(in[j]) : linear_to_ulaw(in[j]));
    }
    return wrong;
}
