/*
 * Playback: a channel's queue of items (files, tones, silence). A file item is
 * queued at once and its file loaded by a prompt loader (prompt.c): when it
 * comes to be heard the media thread takes the loaded file, or in real time
 * plays silence until it is loaded. A prompt too large for the prompt cache is
 * read ahead by the loaders in 8 KB blocks (a block every second or so) while
 * the channel plays the one before. The media thread never reads a file. A
 * playback (all items with one id) ends with one EV_PLAY_DONE carrying why it
 * ended.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_private.h"

static play_item_t *new_item(int kind, int id, int flags)
{
    play_item_t *p = calloc(1, sizeof(*p));
    if (p) {
        p->kind = kind;
        p->id = id;
        p->flags = flags;
        p->samples_left = -1;
    }
    return p;
}

static play_item_t *error_item(int id, int flags, const char *msg)
{
    play_item_t *p = new_item(PLAY_ERROR, id, flags);
    if (p)
        p->error = strdup(msg);
    return p;
}

static int codec_from_extension(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return -1;
    if (!strcasecmp(dot, ".alaw") || !strcasecmp(dot, ".al") || !strcasecmp(dot, ".a8"))
        return ENG_CODEC_ALAW;
    if (!strcasecmp(dot, ".ulaw") || !strcasecmp(dot, ".ul") || !strcasecmp(dot, ".u8") || !strcasecmp(dot, ".pcmu"))
        return ENG_CODEC_ULAW;
    if (!strcasecmp(dot, ".sln") || !strcasecmp(dot, ".raw"))
        return ENG_CODEC_LINEAR;
    if (!strcasecmp(dot, ".wav"))
        return PROMPT_WAV;
    return -1;
}

/* The file itself is opened by a prompt loader (prompt.c); the item waits in the queue meanwhile. */
play_item_t *play_new_file(engine_t *e, int id, const char *path, int flags)
{
    char err[400];
    play_item_t *p;
    int codec = codec_from_extension(path);

    if (codec < 0) {
        snprintf(err, sizeof(err), "%s: unknown prompt type (use .wav, .alaw, .ulaw or .sln)", path);
        return error_item(id, flags, err);
    }
    if ((p = new_item(PLAY_FILE, id, flags)) != NULL && (p->load = prompt_load_start(e, path, codec)) == NULL) {
        free(p);
        p = NULL;
    }
    return p;
}

/* A file item at the head of the queue: 1 its file is loaded, 0 not yet (real time: the line hears
 * silence meanwhile; every other clock waits here), -1 it failed (err says why). */
static int file_ready(engine_t *e, play_item_t *p, char *err, int errlen)
{
    int rc;

    if (p->loaded)
        return 1;
    if ((rc = prompt_load_take(p->load, e->wait_workers, &p->codec, &p->cached, err, errlen)) <= 0)
        return rc;
    p->loaded = 1;
    p->buf = p->cached ? p->cached->data : NULL;
    p->buf_len = p->cached ? (int) p->cached->len : 0;
    p->buf_pos = 0;
    return 1;
}

/* Start segment seg of a tone: a fresh oscillator for its frequencies. */
static void tone_segment(play_item_t *p, int seg)
{
    const tone_seg_t *sg = &p->tone_def->seg[seg];
    tone_gen_descriptor_t desc;

    p->tone_seg = seg;
    p->seg_left = sg->ms > 0 ? (int64_t) sg->ms * 8 : -1;
    if (p->tone) {
        tone_gen_free(p->tone);
        p->tone = NULL;
    }
    if (sg->f1 > 0) {
        tone_gen_descriptor_init(&desc, sg->f1, p->tone_def->level, sg->f2,
                                 sg->f2 > 0 ? p->tone_def->level : 0, 1000, 0, 0, 0, 1);
        p->tone = tone_gen_init(NULL, &desc);
    }
}

play_item_t *play_new_tone(engine_t *e, const zone_t *z, int id, const char *tone, int ms, int flags)
{
    const zone_tone_t *t = zone_find_tone(z, tone);
    play_item_t *p;
    char err[200];

    (void) e;
    if (!t) {
        snprintf(err, sizeof(err), "tone '%s' is not defined in the channel's tone zone", tone);
        return error_item(id, flags, err);
    }
    if ((p = new_item(PLAY_TONE, id, flags)) == NULL)
        return NULL;
    p->tone_def = t;
    tone_segment(p, 0);
    p->samples_left = p->samples_total = ms > 0 ? (int64_t) ms * 8 : -1;
    return p;
}

/* n samples of the tone's cadence. */
static void tone_samples(play_item_t *p, int16_t *out, int n)
{
    while (n > 0) {
        int k = n;
        if (p->seg_left >= 0 && k > p->seg_left)
            k = (int) p->seg_left;
        if (p->tone)
            tone_gen(p->tone, out, k);
        else
            memset(out, 0, sizeof(int16_t) * (size_t) k);
        out += k;
        n -= k;
        if (p->seg_left >= 0) {
            p->seg_left -= k;
            if (p->seg_left == 0)
                tone_segment(p, (p->tone_seg + 1) % p->tone_def->nseg);
        }
    }
}

play_item_t *play_new_silence(int id, int ms, int flags)
{
    play_item_t *p = new_item(PLAY_SILENCE, id, flags);
    if (p)
        p->samples_left = p->samples_total = ms > 0 ? (int64_t) ms * 8 : 0;
    return p;
}

void play_item_free(play_item_t *p)
{
    if (!p)
        return;
    if (p->load)
        prompt_load_drop(p->load);      /* the file, cached or streamed, is the load's */
    if (p->tone)
        tone_gen_free(p->tone);
    free(p->error);
    free(p);
}

/* Up to n bytes of the file's samples: the bytes given, fewer at the end of the file or, with
 * *starved set, when the next block is not read yet (real time); -1 on a read error. */
static int file_bytes(engine_t *e, play_item_t *p, uint8_t *out, int n, int *starved)
{
    int got = 0;

    *starved = 0;
    while (got < n) {
        int avail = p->buf_len - p->buf_pos;
        if (avail <= 0) {
            const uint8_t *data;
            int r;
            if (p->cached)
                break;                  /* all of it was in the buffer */
            r = prompt_stream_next(p->load, e->wait_workers, &data);
            if (r == PROMPT_NOT_YET) {
                *starved = 1;
                break;
            }
            if (r < 0)
                return -1;
            if (r == 0)
                break;
            p->buf = data;
            p->buf_len = r;
            p->buf_pos = 0;
            avail = r;
        }
        if (avail > n - got)
            avail = n - got;
        memcpy(out + got, p->buf + p->buf_pos, (size_t) avail);
        p->buf_pos += avail;
        got += avail;
    }
    return got;
}

/* A LOOP item that ended: rewind it and queue it after the rest of its playback. */
static void loop_item(chan_t *c, play_item_t *p)
{
    play_item_t *after = p, *q;

    if (p->kind == PLAY_FILE && p->cached) {
        p->buf_pos = 0;
    } else if (p->kind == PLAY_FILE) {
        prompt_stream_rewind(p->load);
        p->buf_len = p->buf_pos = 0;
    } else {
        p->samples_left = p->samples_total;
        if (p->kind == PLAY_TONE)
            tone_segment(p, 0);
    }
    for (q = p->next; q; q = q->next)
        if (q->id == p->id)
            after = q;
    if (after == p)
        return;
    c->play_head = p->next;
    p->next = after->next;
    after->next = p;
    if (c->play_tail == after)
        c->play_tail = p;
}

/* Account a frame of playback to the playback at the head of the queue. */
static void count_played(chan_t *c, int samples)
{
    if (!c->play_head)
        return;
    if (c->play_head->id != c->play_cur_id) {
        c->play_cur_id = c->play_head->id;
        c->play_cur_samples = 0;
    }
    c->play_cur_samples += samples;
}

static int played_ms(const chan_t *c, int id)
{
    return id == c->play_cur_id ? (int) (c->play_cur_samples / 8) : 0;
}

static void finish_item(engine_t *e, chan_t *c, int reason, const char *msg)
{
    play_item_t *p = c->play_head;
    int id = p->id;
    int last = (p->flags & ENG_PLAY_LAST) != 0;
    char text[ENG_TEXT_MAX];

    if (reason == ENG_END_DONE && (p->flags & ENG_PLAY_LOOP)) {
        loop_item(c, p);
        return;
    }
    /* msg may be the item's own error text, freed with it below */
    snprintf(text, sizeof(text), "%s", msg ? msg : "");
    c->play_head = p->next;
    if (!c->play_head)
        c->play_tail = NULL;
    play_item_free(p);
    if (reason != ENG_END_DONE) {
        /* an error or a stop ends the whole playback */
        play_stop(e, c, id, -1);
        eng_emit(e, EV_PLAY_DONE, c->id, id, reason, played_ms(c, id), 0, 0, text);
    } else if (last) {
        eng_emit(e, EV_PLAY_DONE, c->id, id, ENG_END_DONE, played_ms(c, id), 0, 0, NULL);
    }
}

/* Fill one frame of linear audio from the queue, mixing into tx when have_tx. */
void play_tick(engine_t *e, chan_t *c, int16_t *tx, int *have_tx)
{
    int16_t buf[MAX_FRAME];
    int n = e->frame, filled = 0, turns = 0;

    /* turns: a looped playback of empty items must not spin for ever */
    while (filled < n && c->play_head && turns++ < 64) {
        play_item_t *p = c->play_head;
        int want = n - filled, got = 0, starved = 0;

        if (p->kind == PLAY_FILE && !p->loaded) {
            char err[ENG_TEXT_MAX];
            int ready = file_ready(e, p, err, sizeof(err));
            if (ready < 0) {
                finish_item(e, c, ENG_END_ERROR, err);
                continue;
            }
            if (ready == 0)
                break;          /* still loading (real time): silence until it is ready */
        }
        switch (p->kind) {
        case PLAY_ERROR:
            finish_item(e, c, ENG_END_ERROR, p->error);
            continue;
        case PLAY_FILE: {
            uint8_t raw[MAX_FRAME * 2];
            int bps = codec_bytes_per_sample(p->codec);
            int r = file_bytes(e, p, raw, want * bps, &starved);
            if (r < 0) {
                finish_item(e, c, ENG_END_ERROR, "prompt read error");
                continue;
            }
            got = r / bps;
            codec_decode(e, p->codec, raw, buf + filled, got);
            break;
        }
        case PLAY_TONE:
            if (p->samples_left >= 0 && want > p->samples_left)
                want = (int) p->samples_left;
            tone_samples(p, buf + filled, want);
            got = want;
            if (p->samples_left >= 0)
                p->samples_left -= got;
            break;
        case PLAY_SILENCE:
            if (want > p->samples_left)
                want = (int) p->samples_left;
            memset(buf + filled, 0, sizeof(int16_t) * (size_t) want);
            got = want;
            p->samples_left -= got;
            break;
        }
        count_played(c, got);
        filled += got;
        if (starved)
            break;              /* the next block is not read yet (real time): silence until it is */
        if (p->kind == PLAY_FILE && got < want)
            finish_item(e, c, ENG_END_DONE, NULL);      /* the file ended inside this frame */
        else if ((p->kind == PLAY_SILENCE || p->kind == PLAY_TONE) && p->samples_left == 0)
            finish_item(e, c, ENG_END_DONE, NULL);
    }
    if (filled == 0)
        return;
    if (filled < n)
        memset(buf + filled, 0, sizeof(int16_t) * (size_t) (n - filled));
    if (*have_tx) {
        int i;
        for (i = 0; i < n; i++) {
            int32_t v = (int32_t) tx[i] + buf[i];
            tx[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
    } else {
        memcpy(tx, buf, sizeof(int16_t) * (size_t) n);
        *have_tx = 1;
    }
}

/* Fast path: a file in the channel's codec with a whole frame in its buffer (else play_tick, which
 * also moves on to the next block, the end of the file or the next item). */
void play_prefetch(const chan_t *c)
{
    const play_item_t *it = c->play_head;

    if (!it)
        return;
    __builtin_prefetch(it);
    if (it->kind == PLAY_FILE && it->buf) {
        __builtin_prefetch(it->buf + it->buf_pos);
        __builtin_prefetch(it->buf + it->buf_pos + 64);
        __builtin_prefetch(it->buf + it->buf_pos + 128);
    }
}

int play_tick_raw(engine_t *e, chan_t *c, uint8_t *raw)
{
    play_item_t *p = c->play_head;
    int n = e->frame * codec_bytes_per_sample(c->codec);

    if (!p || p->kind != PLAY_FILE || !p->loaded || p->codec != c->codec || p->buf_len - p->buf_pos < n)
        return 0;
    memcpy(raw, p->buf + p->buf_pos, (size_t) n);
    p->buf_pos += n;
    count_played(c, e->frame);
    return 1;
}

/* Remove the items of one playback (id 0: all), emitting its end when reason >= 0. */
void play_stop(engine_t *e, chan_t *c, int id, int reason)
{
    play_item_t **pp = &c->play_head, *p;
    int ended[64], nended = 0, i;

    c->play_tail = NULL;
    while ((p = *pp) != NULL) {
        if (id == 0 || p->id == id) {
            int seen = 0;
            for (i = 0; i < nended; i++)
                seen |= ended[i] == p->id;
            if (!seen && nended < 64)
                ended[nended++] = p->id;
            *pp = p->next;
            play_item_free(p);
        } else {
            c->play_tail = p;
            pp = &p->next;
        }
    }
    if (reason >= 0)
        for (i = 0; i < nended; i++)
            eng_emit(e, EV_PLAY_DONE, c->id, ended[i], reason, played_ms(c, ended[i]), 0, 0, NULL);
}

/* A digit came in: barge-in items stop, with the rest of their playback. */
void play_on_dtmf(engine_t *e, chan_t *c)
{
    if (c->play_head && (c->play_head->flags & ENG_PLAY_BARGE))
        play_stop(e, c, c->play_head->id, ENG_END_DTMF);
}
