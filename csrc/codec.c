/*
 * G.711 for the engine: decoding through 256-entry tables built once per
 * engine (a table lookup is cheaper than spandsp's bit arithmetic when every
 * channel decodes every frame); encoding through spandsp's inline coders.
 */
#include <string.h>

#include "engine_private.h"

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

    if (codec == ENG_CODEC_ALAW) {
        for (i = 0; i < n; i++)
            out[i] = linear_to_alaw(in[i]);
    } else if (codec == ENG_CODEC_ULAW) {
        for (i = 0; i < n; i++)
            out[i] = linear_to_ulaw(in[i]);
    } else {
        memcpy(out, in, (size_t) n * 2);
    }
}
