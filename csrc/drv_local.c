/*
 * The local driver: the computer's sound card as one channel, so that a
 * person can call the IVR from a headset without any telephony card.
 *
 * PortAudio (the library PyAudio wraps) runs the card in its own callback
 * thread at 8 kHz mono; two single-producer single-consumer rings carry the
 * samples between that thread and the media thread, so neither ever waits
 * for the other and no Python runs per frame. The channel is a phone on an
 * FXS port: lifting it and pressing keys (DTMF mixed into what the
 * microphone hears) come from eng_local_hook/eng_local_dtmf.
 */
#include <portaudio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_private.h"

#define RING 16384          /* samples: 2 s at 8 kHz, a power of two */

typedef struct {
    int16_t buf[RING];
    unsigned head, tail;    /* head: written by the producer; tail: by the consumer */
} ring_t;

typedef struct {
    PaStream *stream;
    ring_t in, out;         /* in: card -> engine; out: engine -> card */
    dtmf_tx_state_t *keys;  /* key presses, mixed into what the card captured (media thread only) */
    pthread_mutex_t lock;   /* guards pending: keys pressed, not yet handed to the generator */
    char pending[64];
    int primed;
    int64_t underruns, overruns;
    int64_t frames_seen;        /* samples through the callback since the stream started */
    struct timespec started;
} local_t;

static unsigned ring_used(const ring_t *r)
{
    return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

static int ring_put(ring_t *r, const int16_t *s, int n)
{
    unsigned h = r->head, i;
    if (RING - ring_used(r) < (unsigned) n)
        return 0;
    for (i = 0; i < (unsigned) n; i++)
        r->buf[(h + i) & (RING - 1)] = s ? s[i] : 0;
    __atomic_store_n(&r->head, h + (unsigned) n, __ATOMIC_RELEASE);
    return n;
}

static int ring_get(ring_t *r, int16_t *s, int n)
{
    unsigned t = r->tail, i;
    if (ring_used(r) < (unsigned) n)
        return 0;
    for (i = 0; i < (unsigned) n; i++)
        s[i] = r->buf[(t + i) & (RING - 1)];
    __atomic_store_n(&r->tail, t + (unsigned) n, __ATOMIC_RELEASE);
    return n;
}

/* PortAudio's thread: capture into `in`, play from `out` (silence when the engine is behind). */
static int pa_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *user)
{
    local_t *l = user;
    (void) ti;
    (void) flags;
    if (input && !ring_put(&l->in, input, (int) frames))
        l->overruns++;
    if (output && !ring_get(&l->out, output, (int) frames)) {
        memset(output, 0, frames * sizeof(int16_t));
        l->underruns++;
    }
    /* A device with no clock of its own (ALSA's null device, a file) would call back as fast as the
     * CPU allows; keep it to real time. A real card is never ahead of the wall clock. */
    l->frames_seen += (int64_t) frames;
    {
        struct timespec now;
        int64_t due_ns, now_ns;
        clock_gettime(CLOCK_MONOTONIC, &now);
        due_ns = l->frames_seen * 125000LL;          /* 8 kHz: 125 us a sample */
        now_ns = (int64_t) (now.tv_sec - l->started.tv_sec) * 1000000000LL + (now.tv_nsec - l->started.tv_nsec);
        if (due_ns - now_ns > 40000000LL) {
            struct timespec d = {0, (long) ((due_ns - now_ns) % 1000000000LL)};
            d.tv_sec = (time_t) ((due_ns - now_ns) / 1000000000LL);
            nanosleep(&d, NULL);
        }
    }
    return paContinue;
}

static int local_read(span_t *s, chan_t *c, uint8_t *buf, int n)
{
    local_t *l = s->drv;
    int16_t *amp = (int16_t *) buf, keys[MAX_FRAME];
    int i, got;

    if (!ring_get(&l->in, amp, n)) {
        /* the card's clock is not the engine's: on an underrun the frame is silence, but the
         * keys being pressed go on, or a key tone would break in two */
        memset(amp, 0, sizeof(int16_t) * (size_t) n);
        l->underruns++;
    }
    if (l->pending[0]) {
        pthread_mutex_lock(&l->lock);
        dtmf_tx_put(l->keys, l->pending, -1);
        l->pending[0] = '\0';
        pthread_mutex_unlock(&l->lock);
    }
    got = dtmf_tx(l->keys, keys, n);
    for (i = 0; i < got; i++) {
        int32_t v = (int32_t) amp[i] + keys[i];
        amp[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    (void) c;
    return n;
}

static int local_write(span_t *s, chan_t *c, const uint8_t *buf, int n)
{
    local_t *l = s->drv;
    (void) c;
    if (!ring_put(&l->out, (const int16_t *) buf, n))
        l->overruns++;
    return n;
}

static int local_hook(span_t *s, chan_t *c, int state)
{
    /* a headset cannot ring: the person sees the call on screen (telephonist phone) */
    (void) s;
    (void) c;
    (void) state;
    return 0;
}

static void local_free(span_t *s)
{
    local_t *l = s->drv;
    if (l->stream) {
        Pa_StopStream(l->stream);
        Pa_CloseStream(l->stream);
        Pa_Terminate();
    }
    if (l->keys)
        dtmf_tx_free(l->keys);
    free(l);
}

static const driver_ops_t local_driver_ops = {
    .name = "local",
    .read = local_read,
    .write = local_write,
    .hook = local_hook,
    .free = local_free,
};

static int find_device(const char *name)
{
    int i, n = Pa_GetDeviceCount();
    if (!name || !*name || !strcmp(name, "default"))
        return Pa_GetDefaultInputDevice();
    for (i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d && strcmp(d->name, name) == 0)
            return i;
    }
    for (i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d && strstr(d->name, name))
            return i;
    }
    return paNoDevice;
}

int eng_local_span(engine_t *e, const char *device, int zone)
{
    eng_clear_error(e);
    local_t *l;
    span_t *s;
    chan_t *c;
    PaStreamParameters in, out;
    PaError err;
    int dev;

    if (e->running)
        return ENG_ESTATE;
    if (zone < 0 || zone >= MAX_ZONES || e->nchans + 1 > e->max_channels)
        return ENG_EINVAL;
    if ((err = Pa_Initialize()) != paNoError) {
        eng_set_error(e, "sound card: %s", Pa_GetErrorText(err));
        return ENG_ESYS;
    }
    if ((dev = find_device(device)) == paNoDevice) {
        eng_set_error(e, "sound card: no device '%s' (telephonist devices lists them)", device ? device : "default");
        Pa_Terminate();
        return ENG_ENOENT;
    }
    if ((l = calloc(1, sizeof(*l))) == NULL || (l->keys = dtmf_tx_init(NULL)) == NULL) {
        free(l);
        Pa_Terminate();
        return ENG_ENOMEM;
    }
    pthread_mutex_init(&l->lock, NULL);
    dtmf_tx_set_timing(l->keys, 100, 100);
    memset(&in, 0, sizeof(in));
    in.device = dev;
    in.channelCount = 1;
    in.sampleFormat = paInt16;
    in.suggestedLatency = Pa_GetDeviceInfo(dev)->defaultLowInputLatency;
    out = in;
    out.suggestedLatency = Pa_GetDeviceInfo(dev)->defaultLowOutputLatency;
    clock_gettime(CLOCK_MONOTONIC, &l->started);
    err = Pa_OpenStream(&l->stream, &in, &out, 8000.0, (unsigned long) e->frame, paClipOff, pa_callback, l);
    if (err == paNoError)
        err = Pa_StartStream(l->stream);
    if (err != paNoError) {
        eng_set_error(e, "sound card '%s': %s", Pa_GetDeviceInfo(dev)->name, Pa_GetErrorText(err));
        if (l->stream)
            Pa_CloseStream(l->stream);
        l->stream = NULL;
        dtmf_tx_free(l->keys);
        free(l);
        Pa_Terminate();
        return ENG_ESYS;
    }
    if ((s = eng_new_span(e, &local_driver_ops, l)) == NULL) {
        span_t tmp = {.drv = l};
        local_free(&tmp);
        return ENG_ENOMEM;
    }
    c = eng_new_channel(e, s, ENG_KIND_FXS, ENG_CODEC_LINEAR, zone);
    c->drv = l;
    return c->id;
}

/* The person lifts or hangs up the headset phone: the line sees it as an FXS port would. */
int eng_local_hook(engine_t *e, int chan, int offhook)
{
    eng_clear_error(e);
    chan_t *c = eng_chan(e, chan);
    if (!c)
        return ENG_ENOCHAN;
    if (c->span->ops != &local_driver_ops)
        return ENG_EINVAL;
    eng_emit(e, EV_HOOK, chan, 0, offhook ? ENG_HOOK_OFF : ENG_HOOK_ON, 0, 0, 0, NULL);
    return 0;
}

/* Keys pressed: real DTMF, mixed into what the microphone hears, so the line detects them. */
int eng_local_dtmf(engine_t *e, int chan, const char *digits)
{
    eng_clear_error(e);
    chan_t *c = eng_chan(e, chan);
    local_t *l;
    if (!c)
        return ENG_ENOCHAN;
    if (c->span->ops != &local_driver_ops || !digits)
        return ENG_EINVAL;
    l = c->span->drv;
    pthread_mutex_lock(&l->lock);
    strncat(l->pending, digits, sizeof(l->pending) - strlen(l->pending) - 1);
    pthread_mutex_unlock(&l->lock);
    return 0;
}
