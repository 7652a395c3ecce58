/*
 * Answering-machine detection: who answered an outbound call, a person or a machine, from the first
 * seconds of what the line brings after the answer.
 *
 * Each frame is voiced or silent by its energy against a threshold. Voiced runs of at least
 * min_word_ms are words; a silence of between_words_ms ends a word. The decision, on the first
 * rule that applies:
 *   MACHINE   nothing voiced for initial_silence_ms (a machine that waits, a dead line);
 *             the greeting (from its first voice) runs past greeting_ms;
 *             more than max_words words;
 *             one word longer than max_word_ms (a tone, music, a long sentence without pause);
 *   HUMAN     after at least one word, a silence of after_greeting_ms: "Hello?", then waiting;
 *   NOTSURE   none of these within total_ms.
 * People answer briefly and wait for the caller; machines talk on. The defaults and the way they
 * count follow the field's long practice (Asterisk's app_amd documents the same parameters); the
 * greeting length and the word count were chosen on our corpus of greetings and answers
 * (telephonist bench amd; the figures are in docs/performance.md).
 *
 * Runs on the media thread in the channel's receive path; one small struct per channel while a
 * detection runs, freed when it decides, is stopped or the line hangs up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

struct amd_s {
    int id;
    eng_amd_params_t p;
    int64_t threshold;          /* mean square of a voiced frame */
    int elapsed_ms;
    int voice_ms;               /* the current voiced run */
    int silence_ms;             /* the current silent run */
    int in_word;
    int words;
    int heard;                  /* any word yet */
    int greeting_start_ms;
};

static const char *const CAUSES[] = {
    [ENG_AMD_CAUSE_NONE] = "",
    [ENG_AMD_CAUSE_INITIAL_SILENCE] = "initial_silence",
    [ENG_AMD_CAUSE_LONG_GREETING] = "long_greeting",
    [ENG_AMD_CAUSE_MAX_WORDS] = "max_words",
    [ENG_AMD_CAUSE_MAX_WORD_LENGTH] = "max_word_length",
    [ENG_AMD_CAUSE_AFTER_GREETING] = "after_greeting_silence",
    [ENG_AMD_CAUSE_TOO_LONG] = "too_long",
    [ENG_AMD_CAUSE_STOPPED] = "stopped",
    [ENG_AMD_CAUSE_HANGUP] = "hangup",
};

void eng_amd_defaults(eng_amd_params_t *p)
{
    p->initial_silence_ms = 2500;
    p->greeting_ms = 1800;
    p->after_greeting_ms = 800;
    p->total_ms = 5000;
    p->min_word_ms = 100;
    p->between_words_ms = 50;
    p->max_words = 4;
    p->max_word_ms = 5000;
    p->threshold_dbm0 = -40;
}

/* The mean square of a sine at level dBm0 in our linear scale (0 dBm0 = 16,000 peak-ish RMS; the VAD's
 * 16,000 is about -42 dBm0). */
static int64_t mean_square_at(int dbm0)
{
    static const double zero_dbm0 = 2.56e8;
    double v = zero_dbm0;
    int i;
    for (i = 0; i > dbm0; i--)
        v /= 1.2589254117941673;      /* 10^(1/10) */
    return (int64_t) v;
}

int amd_params_check(const eng_amd_params_t *p, char *why, size_t cap)
{
    struct { const char *name; int v, lo, hi; } f[] = {
        {"initial_silence_ms", p->initial_silence_ms, 100, 30000}, {"greeting_ms", p->greeting_ms, 100, 30000},
        {"after_greeting_ms", p->after_greeting_ms, 40, 10000}, {"total_ms", p->total_ms, 500, 60000},
        {"min_word_ms", p->min_word_ms, 20, 2000}, {"between_words_ms", p->between_words_ms, 20, 2000},
        {"max_words", p->max_words, 1, 100}, {"max_word_ms", p->max_word_ms, 100, 60000},
        {"threshold_dbm0", p->threshold_dbm0, -70, -10},
    };
    size_t i;
    for (i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i].v < f[i].lo || f[i].v > f[i].hi) {
            snprintf(why, cap, "%s %d is out of range %d..%d", f[i].name, f[i].v, f[i].lo, f[i].hi);
            return -1;
        }
    }
    return 0;
}

static void decide(engine_t *e, chan_t *c, int result, int cause)
{
    amd_t *a = c->amd;
    char text[64];
    snprintf(text, sizeof text, "%s;%s", result == ENG_AMD_HUMAN ? "human" : result == ENG_AMD_MACHINE ? "machine"
             : result == ENG_AMD_NOTSURE ? "notsure" : "stopped", CAUSES[cause]);
    eng_emit(e, EV_AMD, c->id, a->id, result, cause, a->words, a->elapsed_ms, text);
    free(a);
    c->amd = NULL;
}

void amd_start(engine_t *e, chan_t *c, int id, const eng_amd_params_t *p)
{
    amd_t *a;
    if (c->amd)
        decide(e, c, ENG_AMD_STOPPED, ENG_AMD_CAUSE_STOPPED);     /* the new one replaces it */
    if ((a = calloc(1, sizeof *a)) == NULL) {
        eng_emit(e, EV_AMD, c->id, id, ENG_AMD_STOPPED, ENG_AMD_CAUSE_STOPPED, 0, 0, "stopped;out of memory");
        return;
    }
    a->id = id;
    a->p = *p;
    a->threshold = mean_square_at(p->threshold_dbm0);
    c->amd = a;
}

void amd_stop(engine_t *e, chan_t *c, int cause)
{
    if (c->amd)
        decide(e, c, ENG_AMD_STOPPED, cause);
}

void amd_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    amd_t *a = c->amd;
    const eng_amd_params_t *p = &a->p;
    int64_t sum = 0;
    int i, f = e->frame_ms;

    for (i = 0; i < n; i++)
        sum += (int32_t) amp[i] * amp[i];
    a->elapsed_ms += f;
    if (sum / n > a->threshold) {
        a->silence_ms = 0;
        a->voice_ms += f;
        if (!a->in_word && a->voice_ms >= p->min_word_ms) {
            a->in_word = 1;
            if (!a->heard) {
                a->heard = 1;
                a->greeting_start_ms = a->elapsed_ms - a->voice_ms;
            }
            if (++a->words > p->max_words) {
                decide(e, c, ENG_AMD_MACHINE, ENG_AMD_CAUSE_MAX_WORDS);
                return;
            }
        }
        if (a->in_word && a->voice_ms >= p->max_word_ms) {
            decide(e, c, ENG_AMD_MACHINE, ENG_AMD_CAUSE_MAX_WORD_LENGTH);
            return;
        }
    } else {
        a->silence_ms += f;
        if (a->silence_ms >= p->between_words_ms) {
            a->in_word = 0;
            a->voice_ms = 0;
        }
        if (!a->heard && a->silence_ms >= p->initial_silence_ms) {
            decide(e, c, ENG_AMD_MACHINE, ENG_AMD_CAUSE_INITIAL_SILENCE);
            return;
        }
        if (a->heard && a->silence_ms >= p->after_greeting_ms) {
            decide(e, c, ENG_AMD_HUMAN, ENG_AMD_CAUSE_AFTER_GREETING);
            return;
        }
    }
    if (a->heard && a->elapsed_ms - a->greeting_start_ms >= p->greeting_ms && a->silence_ms == 0) {
        decide(e, c, ENG_AMD_MACHINE, ENG_AMD_CAUSE_LONG_GREETING);
        return;
    }
    if (a->elapsed_ms >= p->total_ms)
        decide(e, c, ENG_AMD_NOTSURE, ENG_AMD_CAUSE_TOO_LONG);
}

void amd_free(chan_t *c)
{
    free(c->amd);
    c->amd = NULL;
}
