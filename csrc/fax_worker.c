/*
 * Fax off the media thread: T.30 terminals (fax.c) run on a worker thread,
 * so that spandsp's TIFF reads and writes at page boundaries and in
 * training (1-4 ms a call, measured) never hold up the tick that carries
 * every other channel's audio.
 *
 * A channel that faxes holds a pipe: two rings of frames. Each tick the
 * media thread queues the frame the line brought in and sends the line the
 * answer to the frame it queued `latency` ticks earlier (80 ms: a fax frame's
 * budget); the worker steps the terminal frame by frame in between. The
 * page and end events the terminal makes travel back as notes tagged with
 * their frame, and the media thread emits them in the tick that sends that
 * frame, so events keep the engine clock.
 *
 * Every clock but real time (lockstep, fast, run_ticks) waits for the
 * worker when a frame is due, so results do not depend on the machine's
 * speed. In real time nothing waits: a frame the worker has not finished
 * by its deadline goes out as silence and counts in `fax_frames_late`, and
 * a worker more than a ring (320 ms) behind loses the line's frames (also
 * counted), so an overloaded engine uses no more memory than a quiet one.
 *
 * On a line that can carry T.38 (its driver has t38_on) each slot also has a batch of IFP packets each way
 * and says which the frame is: audio, or the packets of a line that carries T.38 in that tick. The worker
 * steps the terminal the slot asks for (fax.c switches), and the media thread hands a T.38 slot's answer to
 * the driver only while the line still carries T.38 (the same for audio).
 *
 * A T.38 gateway (t38_gw.c) is a pipe too, held by the bridge's audio line: each slot carries that line's audio
 * and, in the same frame, the IFP packets of the sip line it is bridged with (`t38_line`), read by the audio
 * line's tick from the sip line's driver and sent to it 80 ms later, as a terminal's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

#define FAX_ABORTED -2
#define FAX_LATENCY_MS 80           /* a frame's answer goes out this much later */
#define FAX_RING_MS 320             /* how far the worker may fall behind the line */
#define FAX_OUTBOX 8                /* notes in flight: a page and the end at most, in practice */
#define FAX_WORKER_NICE 5           /* below the media thread when they share a core */

struct fax_pipe_s {
    int id;
    int frame;                      /* samples */
    int ring;                       /* frames in each ring */
    int latency;                    /* frames between a frame in and its answer out */
    int16_t *rx, *tx;               /* ring * frame samples each, slot = frame number % ring */
    t38_batch_t *rxb, *txb;         /* ring batches each, on a line that can carry T.38; NULL: audio only */
    uint8_t *t38;                   /* ring: 1 the slot carries IFP packets (written with the rx slot) */
    fax_session_t *sess;            /* stepped by the worker once attached */
    chan_t *t38_line;               /* a gateway: the sip line whose IFP packets the slots carry; NULL: a terminal
                                     * (its own line) */

    /* written by the media thread, read by the worker */
    int64_t pushed;                 /* frames from the line queued */
    int stop;                       /* the channel let go: step what is queued, then release */

    /* written by the worker, read by the media thread */
    int64_t done;                   /* frames stepped, their answers ready */
    int64_t end_step;               /* the frame in which T.30 ended; -1 */
    int released;                   /* the worker has freed the terminal and forgotten the pipe */
    int notes_lost;
    fax_note_t outbox[FAX_OUTBOX];
    int64_t out_w, out_r;           /* out_w by the worker, out_r by the media thread */

    /* the media thread's own */
    int64_t pulled;                 /* frames sent to the line, or skipped because they were late */
    int64_t t38_sent;               /* frames whose IFP packets went to the line (T.38 frames only send any) */
    int pages;                      /* last page reported */
    int done_emitted;
    fax_pipe_t *wnext;              /* the worker's lists */
    fax_pipe_t *snext;              /* the media thread's list of pipes waiting to be released */
};

struct fax_worker_s {
    engine_t *eng;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work;            /* frames queued, a pipe attached or stopped, or quit */
    pthread_cond_t progress;        /* a frame stepped or a pipe released, for a waiting media thread */
    int64_t gen;                    /* bumped with each of those */
    int quit;
    int prio;                       /* the worker's: the priority it runs at, -1 not set yet */
    int media_waits;                /* the media thread waits on progress for a frame */
    fax_pipe_t *incoming, **incoming_tail;  /* attached, not yet taken by the worker */
    fax_pipe_t *active;             /* the worker's */
    fax_pipe_t *stopping;           /* the media thread's: detached, not yet released */
    int kick;                       /* the media thread's: frames queued this tick */
};

/* The rings are single-producer, single-consumer: a frame (or a note) is written, then its counter is
 * stored with release, and the other side loads the counter with acquire before reading the frame.
 * Sequentially consistent stores here cost a full barrier per frame (an xchg on x86 that waits for the
 * frame's cache lines just written to the ring): 2,000 terminals a tick paid it twice each. The one
 * place that needs more is the media thread's wait (wait_for/wake_media): a store then a load on each
 * side, fenced there. */
#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static int16_t *slot(const fax_pipe_t *p, int16_t *ring, int64_t frame)
{
    return ring + (size_t) (frame % p->ring) * (size_t) p->frame;
}

static void prefetch_frame(const int16_t *f, int samples, int for_write)
{
    const char *b = (const char *) f;
    size_t off;

    for (off = 0; off < sizeof(int16_t) * (size_t) samples; off += 64) {
        if (for_write)
            __builtin_prefetch(b + off, 1);
        else
            __builtin_prefetch(b + off, 0);
    }
}

/* ---- the worker thread ------------------------------------------------------------------------ */

/* At the end of a pass, not after each frame: sharing a core, each wake-up of the media thread
 * costs two context switches, and one a frame doubled what fax costs on the fast clock. */
static void wake_media(fax_worker_t *w)
{
    /* the pass's stores of done/released before the load of media_waits; the media thread stores
     * media_waits before it loads done (seq_cst, in wait_for): one of the two sees the other */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (LOAD(&w->media_waits)) {
        pthread_mutex_lock(&w->lock);
        pthread_cond_broadcast(&w->progress);
        pthread_mutex_unlock(&w->lock);
    }
}

static void post_note(fax_pipe_t *p, const fax_note_t *n, int64_t step)
{
    fax_note_t *slot;

    if (p->out_w - LOAD(&p->out_r) >= FAX_OUTBOX) {
        __atomic_add_fetch(&p->notes_lost, 1, __ATOMIC_SEQ_CST);
        return;
    }
    slot = &p->outbox[p->out_w % FAX_OUTBOX];
    *slot = *n;
    slot->step = step;
    STORE(&p->out_w, p->out_w + 1);
}

/* One frame of one terminal; returns 1 when T.30 ended in it. */
static int step(fax_worker_t *w, fax_pipe_t *p)
{
    int64_t s = p->done;
    fax_note_t notes[FAX_NOTES_PER_STEP];
    int n, i, ended;

    ended = fax_session_step(p->sess, p->t38 ? p->t38[s % p->ring] : 0, slot(p, p->rx, s), slot(p, p->tx, s),
                             p->frame, p->rxb ? &p->rxb[s % p->ring] : NULL, p->txb ? &p->txb[s % p->ring] : NULL);
    n = fax_session_take_notes(p->sess, notes);
    for (i = 0; i < n; i++)
        post_note(p, &notes[i], s);
    if (ended)
        p->end_step = s;
    STORE(&p->done, s + 1);
    return ended;
}

static void fax_pipe_free(fax_pipe_t *p);

/* After this the worker never touches p again; the media thread frees it. */
static void release(fax_worker_t *w, fax_pipe_t *p)
{
    fax_session_release(p->sess);
    STORE(&p->released, 1);
}

/* Sharing a core, the media thread (a 20 ms deadline for every channel) goes first: this thread,
 * with 80 ms per frame, runs one real-time priority below it, or at nice +5. */
static void take_priority(fax_worker_t *w)
{
    int want = __atomic_load_n(&w->eng->rt_prio, __ATOMIC_ACQUIRE), rc;

    want = want > 1 ? want - 1 : 0;
    if (want != w->prio) {
        w->prio = want;
        if ((rc = eng_thread_priority(w->eng, want, FAX_WORKER_NICE)) != 0) {
            char text[120];
            snprintf(text, sizeof(text), "fax worker: priority %d refused: %s", want, strerror(rc));
            eng_emit(w->eng, EV_ERROR, -1, 0, ENG_ESYS, 0, 0, 0, text);
        }
    }
}

/* Round robin, a frame per terminal per pass, until no terminal has a frame queued:
 * a terminal that took long (a page boundary) does not keep the others waiting. */
static void run_passes(fax_worker_t *w)
{
    int progress;

    do {
        fax_pipe_t **link = &w->active;
        progress = 0;
        take_priority(w);           /* a change applies within a pass, not after the backlog */
        while (*link) {
            fax_pipe_t *p = *link;
            int stop = LOAD(&p->stop);          /* before pushed: once set, pushed is final */
            int64_t pushed = LOAD(&p->pushed);

            /* Thousands of terminals do not stay cached from one frame to the next: ask for the next
             * pipe's frames (its struct was asked for one pipe ago) and the struct of the one after. */
            if (p->wnext) {
                fax_pipe_t *q = p->wnext;
                if (q->wnext)
                    __builtin_prefetch(q->wnext, 1);
                prefetch_frame(slot(q, q->rx, q->done), q->frame, 0);
                prefetch_frame(slot(q, q->tx, q->done), q->frame, 1);
            }

            if (p->done < pushed) {
                progress = 1;
                if (step(w, p)) {
                    *link = p->wnext;
                    release(w, p);
                    continue;
                }
            } else if (stop) {
                *link = p->wnext;
                release(w, p);
                continue;
            }
            link = &p->wnext;
        }
        wake_media(w);
    } while (progress && !LOAD(&w->quit));
}

static void *worker_main(void *arg)
{
    fax_worker_t *w = arg;
    fax_pipe_t **tail, *p, *next;
    int64_t seen;

    pthread_setname_np(pthread_self(), "tel-fax");      /* for top -H and /proc/<pid>/task */
    w->prio = -1;
    take_priority(w);
    pthread_mutex_lock(&w->lock);
    for (;;) {
        seen = w->gen;
        if (w->incoming) {
            for (tail = &w->active; *tail; tail = &(*tail)->wnext)
                ;
            *tail = w->incoming;
            w->incoming = NULL;
            w->incoming_tail = &w->incoming;
        }
        if (w->quit)
            break;
        pthread_mutex_unlock(&w->lock);
        run_passes(w);
        pthread_mutex_lock(&w->lock);
        while (!w->quit && w->gen == seen && !w->incoming)
            pthread_cond_wait(&w->work, &w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    for (p = w->active; p; p = next) {
        next = p->wnext;
        release(w, p);
    }
    w->active = NULL;
    return NULL;
}

static void kick(fax_worker_t *w)
{
    pthread_mutex_lock(&w->lock);
    w->gen++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
}

int fax_worker_init(engine_t *e, char *err, int errlen)
{
    fax_worker_t *w;
    int rc;

    pthread_mutex_lock(&e->faxw_lock);
    if (e->faxw) {
        pthread_mutex_unlock(&e->faxw_lock);
        return 0;
    }
    if ((w = calloc(1, sizeof(*w))) == NULL) {
        pthread_mutex_unlock(&e->faxw_lock);
        snprintf(err, (size_t) errlen, "fax: out of memory");
        return ENG_ENOMEM;
    }
    eng_mutex_init(&w->lock);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->progress, NULL);
    w->incoming_tail = &w->incoming;
    w->eng = e;
    if ((rc = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->progress);
        pthread_mutex_destroy(&w->lock);
        free(w);
        pthread_mutex_unlock(&e->faxw_lock);
        snprintf(err, (size_t) errlen, "fax: cannot start the fax worker: %s", strerror(rc));
        return ENG_ESYS;
    }
    __atomic_store_n(&e->faxw, w, __ATOMIC_RELEASE);    /* the media thread looks every tick */
    pthread_mutex_unlock(&e->faxw_lock);
    return 0;
}

void fax_worker_reprioritise(engine_t *e)
{
    fax_worker_t *w = __atomic_load_n(&e->faxw, __ATOMIC_ACQUIRE);

    if (w)
        kick(w);        /* it looks at the engine's priority at the top of its loop */
}

void fax_worker_free(engine_t *e)
{
    fax_worker_t *w = e->faxw;
    fax_pipe_t *p, *next;

    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    STORE(&w->quit, 1);         /* run_passes looks without the lock */
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    /* attached after the worker's last look: never stepped, no terminal */
    for (p = w->incoming; p; p = next) {
        next = p->wnext;
        p->released = 1;
    }
    for (p = w->stopping; p; p = next) {
        next = p->snext;
        fax_pipe_free(p);
    }
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->progress);
    pthread_mutex_destroy(&w->lock);
    free(w);
    e->faxw = NULL;
}

/* ---- pipes ---------------------------------------------------------------------------------------- */

/* Made and freed by the media thread (its own arena, see fax.c). */
static fax_pipe_t *fax_pipe_new(engine_t *e, fax_session_t *s, int t38)
{
    fax_pipe_t *p;

    if (!s)
        return NULL;
    if ((p = calloc(1, sizeof(*p))) == NULL) {
        fax_session_free(s);
        return NULL;
    }
    p->sess = s;
    p->frame = e->frame;
    p->latency = FAX_LATENCY_MS / e->frame_ms > 0 ? FAX_LATENCY_MS / e->frame_ms : 1;
    p->ring = FAX_RING_MS / e->frame_ms > p->latency + 2 ? FAX_RING_MS / e->frame_ms : p->latency + 2;
    p->end_step = -1;
    p->rx = calloc((size_t) p->ring * (size_t) p->frame, sizeof(int16_t));
    p->tx = calloc((size_t) p->ring * (size_t) p->frame, sizeof(int16_t));
    if (t38) {
        p->rxb = calloc((size_t) p->ring, sizeof(t38_batch_t));
        p->txb = calloc((size_t) p->ring, sizeof(t38_batch_t));
        p->t38 = calloc((size_t) p->ring, 1);
    }
    if (!p->rx || !p->tx || (t38 && (!p->rxb || !p->txb || !p->t38))) {
        fax_pipe_free(p);
        return NULL;
    }
    return p;
}

static void fax_pipe_free(fax_pipe_t *p)
{
    if (!p)
        return;
    fax_session_free(p->sess);
    free(p->rx);
    free(p->tx);
    free(p->rxb);
    free(p->txb);
    free(p->t38);
    free(p);
}

/* ---- the media thread's side ------------------------------------------------------------------------ */

int fax_chan_attach(engine_t *e, chan_t *c, int id, int send, const char *path, int calling, int ecm,
                    const char *ident, const char *header)
{
    fax_worker_t *w = e->faxw;
    fax_pipe_t *p = fax_pipe_new(e, fax_session_new(id, send, path, calling, ecm, ident, header),
                                 c->span->ops->t38_on != NULL);

    if (!p)
        return ENG_ENOMEM;
    if (c->span->ops->fax_begins)
        c->span->ops->fax_begins(c->span, c, send);
    p->id = id;
    c->fax = p;
    c->fax_next[0] = slot(p, p->rx, 0);
    c->fax_next[1] = slot(p, p->tx, 0);
    pthread_mutex_lock(&w->lock);
    p->wnext = NULL;
    *w->incoming_tail = p;
    w->incoming_tail = &p->wnext;
    pthread_mutex_unlock(&w->lock);
    return 0;
}

/* A gateway's frame also takes what the sip line brought (in: NULL, read and dropped). */
static void gateway_rx_t38(fax_pipe_t *p, t38_batch_t *in, uint8_t *flag)
{
    chan_t *line = p->t38_line;
    int on = line->span->ops->t38_on(line->span, line);

    if (in)
        t38_batch_clear(in);
    if (on)
        line->span->ops->t38_read(line->span, line, in);
    if (flag)
        *flag = (uint8_t) on;
}

int fax_gateway_attach(engine_t *e, chan_t *audio, chan_t *line, int id, int ecm)
{
    fax_worker_t *w = e->faxw;
    fax_pipe_t *p = fax_pipe_new(e, fax_session_new_gateway(id, ecm), 1);

    if (!p)
        return ENG_ENOMEM;
    p->id = id;
    p->t38_line = line;
    audio->fax = p;
    audio->fax_next[0] = slot(p, p->rx, 0);
    audio->fax_next[1] = slot(p, p->tx, 0);
    pthread_mutex_lock(&w->lock);
    p->wnext = NULL;
    *w->incoming_tail = p;
    w->incoming_tail = &p->wnext;
    pthread_mutex_unlock(&w->lock);
    return 0;
}

int fax_chan_is_gateway(const chan_t *c)
{
    return c->fax && c->fax->t38_line;
}

chan_t *fax_gateway_line(const chan_t *audio)
{
    return audio->fax->t38_line;
}

void fax_gateway_stats(const chan_t *c, int *pages, int *rate, int *ecm)
{
    fax_session_gateway_stats(c->fax->sess, pages, rate, ecm);
}

void fax_chan_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    fax_pipe_t *p = c->fax;

    if (p->pushed - LOAD(&p->done) >= p->ring) {
        e->fax_late_tick++;         /* the worker is a whole ring behind: this frame is lost */
        if (p->t38_line)
            gateway_rx_t38(p, NULL, NULL);
        return;
    }
    memcpy(slot(p, p->rx, p->pushed), amp, sizeof(int16_t) * (size_t) n);
    if (p->t38_line)
        gateway_rx_t38(p, &p->rxb[p->pushed % p->ring], &p->t38[p->pushed % p->ring]);
    else if (p->t38)
        p->t38[p->pushed % p->ring] = 0;
    STORE(&p->pushed, p->pushed + 1);
    c->fax_next[0] = slot(p, p->rx, p->pushed);
    e->faxw->kick = 1;
}

void fax_chan_rx_t38(engine_t *e, chan_t *c)
{
    fax_pipe_t *p = c->fax;
    size_t at = (size_t) (p->pushed % p->ring);

    if (!p->rxb || p->pushed - LOAD(&p->done) >= p->ring) {
        if (p->rxb)
            e->fax_late_tick++;     /* as fax_chan_rx: the worker is a whole ring behind */
        c->span->ops->t38_read(c->span, c, NULL);
        return;
    }
    t38_batch_clear(&p->rxb[at]);
    c->span->ops->t38_read(c->span, c, &p->rxb[at]);
    memset(slot(p, p->rx, p->pushed), 0, sizeof(int16_t) * (size_t) p->frame);
    p->t38[at] = 1;
    STORE(&p->pushed, p->pushed + 1);
    c->fax_next[0] = slot(p, p->rx, p->pushed);
    e->faxw->kick = 1;
}

/* chan_prefetch_rx/tx, two channels ahead of the tick: the pipe's counters and the ring slot the
 * channel's fax_chan_rx writes or fax_chan_tx reads (the worker wrote it 80 ms ago: long out of the
 * caches with a thousand terminals stepped since). */
void fax_chan_prefetch(const chan_t *c, int for_tx)
{
    const fax_pipe_t *p = c->fax;

    __builtin_prefetch(&p->pushed, 1);
    __builtin_prefetch(&p->pulled, 1);
    /* a 20 ms frame, as chan_prefetch_rx asks for a line's buffers: reading p->frame here would wait
     * for the very line just asked for */
    prefetch_frame(c->fax_next[for_tx], 160, !for_tx);
}

void fax_tick_rx_done(engine_t *e)
{
    fax_worker_t *w = __atomic_load_n(&e->faxw, __ATOMIC_ACQUIRE);

    if (w && w->kick) {
        w->kick = 0;
        kick(w);
    }
}

/* Blocks until the worker has stepped frame s of p, or released p (with every clock but real time). */
static int64_t wait_for(engine_t *e, fax_pipe_t *p, int64_t s, int until_released)
{
    fax_worker_t *w = e->faxw;
    int64_t done;

    pthread_mutex_lock(&w->lock);
    __atomic_store_n(&w->media_waits, 1, __ATOMIC_SEQ_CST);    /* before looking at p: the worker
                                                                  * looks at it after a pass (fenced) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    while (!LOAD(&p->released) && (until_released || LOAD(&p->done) <= s))
        pthread_cond_wait(&w->progress, &w->lock);
    STORE(&w->media_waits, 0);
    done = LOAD(&p->done);
    pthread_mutex_unlock(&w->lock);
    return done;
}

/* Emits the notes of frames before `limit` (those already sent to the line). */
static void emit_notes(engine_t *e, chan_t *c, fax_pipe_t *p, int64_t limit)
{
    int64_t w = LOAD(&p->out_w);
    int lost;

    while (p->out_r < w && p->outbox[p->out_r % FAX_OUTBOX].step < limit) {
        const fax_note_t *n = &p->outbox[p->out_r % FAX_OUTBOX];
        if (n->type == EV_FAX_PAGE)
            p->pages = n->a;
        else if (n->type == EV_FAX_DONE)
            p->done_emitted = 1;
        eng_emit(e, n->type, c->id, p->id, n->a, n->b, n->c, n->d, n->text[0] ? n->text : NULL);
        STORE(&p->out_r, p->out_r + 1);
    }
    if ((lost = __atomic_exchange_n(&p->notes_lost, 0, __ATOMIC_SEQ_CST)) > 0) {
        char text[80];
        snprintf(text, sizeof(text), "fax: %d page event(s) lost (the worker ran ahead of the line)", lost);
        eng_emit(e, EV_ERROR, c->id, p->id, ENG_ENOMEM, 0, 0, 0, text);
    }
}

/* The channel lets go of p; the worker may still hold it for a moment. */
static void detach(engine_t *e, chan_t *c, fax_pipe_t *p)
{
    c->fax = NULL;
    if (LOAD(&p->released)) {
        fax_pipe_free(p);
    } else {
        p->snext = e->faxw->stopping;
        e->faxw->stopping = p;
    }
}

/* The IFP packets of the T.38 frames stepped and due, those the worker finished late too (a packet late is
 * better than one lost: T.38 carries no timing of its own), while the line carries T.38. */
static void send_t38(chan_t *c, fax_pipe_t *p)
{
    int64_t done = LOAD(&p->done), upto = done < p->pulled ? done : p->pulled;
    chan_t *line = p->t38_line ? p->t38_line : c;
    int on = line->span->ops->t38_on(line->span, line);

    for (; p->t38_sent < upto; p->t38_sent++) {
        size_t slot = (size_t) (p->t38_sent % p->ring);
        if (on && p->t38[slot])
            line->span->ops->t38_write(line->span, line, &p->txb[slot]);
    }
}

void fax_chan_tx(engine_t *e, chan_t *c, int16_t *tx, int n)
{
    fax_pipe_t *p = c->fax;
    int have = 0;

    if (p->pushed - p->pulled > p->latency) {
        int64_t s = p->pulled++;
        int64_t done = LOAD(&p->done);
        if (done <= s && e->wait_workers)
            done = wait_for(e, p, s, 0);
        if (done > s) {
            memcpy(tx, slot(p, p->tx, s), sizeof(int16_t) * (size_t) n);
            have = 1;
        } else if (!(LOAD(&p->released) && p->end_step >= 0 && p->end_step < s)) {
            e->fax_late_tick++;     /* the worker missed this frame's deadline: the line hears silence */
        }
        if (p->pushed - done > e->fax_lag_tick)
            e->fax_lag_tick = (int) (p->pushed - done);
    }
    if (!have)
        memset(tx, 0, sizeof(int16_t) * (size_t) n);
    c->fax_next[1] = slot(p, p->tx, p->pulled);
    if (p->t38)
        send_t38(c, p);
    emit_notes(e, c, p, p->pulled);
    if (p->done_emitted)
        detach(e, c, p);
}

void fax_chan_stop(engine_t *e, chan_t *c, const char *why)
{
    fax_pipe_t *p = c->fax;

    if (!p)
        return;
    emit_notes(e, c, p, p->pulled);         /* what the line has already carried */
    if (p->t38_line) {                      /* a gateway: no fax job, no FAX_DONE (t38_gw.c reports) */
        STORE(&p->stop, 1);
        kick(e->faxw);
    } else if (!p->done_emitted) {
        STORE(&p->stop, 1);
        kick(e->faxw);
        /* the received file is closed before the application hears of the end */
        if (e->wait_workers)
            wait_for(e, p, 0, 1);
        eng_emit(e, EV_FAX_DONE, c->id, p->id, FAX_ABORTED, p->pages, 0, 0, why);
    }
    detach(e, c, p);
}

void fax_tick_end(engine_t *e)
{
    fax_worker_t *w = __atomic_load_n(&e->faxw, __ATOMIC_ACQUIRE);
    fax_pipe_t **link, *p;

    if (!w)
        return;
    for (link = &w->stopping; (p = *link) != NULL;) {
        if (LOAD(&p->released)) {
            *link = p->snext;
            fax_pipe_free(p);
        } else {
            link = &p->snext;
        }
    }
}

void fax_chan_free(chan_t *c)
{
    fax_pipe_free(c->fax);
    c->fax = NULL;
}
