/*
 * The engine: its media thread and clock, the command queue from Python, the
 * event queue to Python (with an eventfd an asyncio loop can watch), timers on
 * the engine clock, and the public eng_* entry points.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine_private.h"

/* ---- errors ------------------------------------------------------------------ */

/* The text of the last failure, kept per calling thread: every public eng_* function clears it on
 * entry and a failure sets it, so what a caller reads after a failing call is that call's own text,
 * never an older one nor another thread's (chand's event loop, the records thread and a bench may
 * call the same engine at once). */
static __thread struct {
    const engine_t *eng;
    char text[512];
} last_error;

void eng_clear_error(engine_t *e)
{
    last_error.eng = e;
    last_error.text[0] = '\0';
}

static void set_error_v(engine_t *e, const char *fmt, va_list ap)
{
    last_error.eng = e;
    vsnprintf(last_error.text, sizeof(last_error.text), fmt, ap);
}

void eng_set_error(engine_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_v(e, fmt, ap);
    va_end(ap);
}

int eng_fail(engine_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_v(e, fmt, ap);
    va_end(ap);
    return code;
}

const char *eng_last_error(engine_t *e)
{
    return last_error.eng == e ? last_error.text : "";
}

/* ---- events ------------------------------------------------------------------- */

void eng_emit(engine_t *e, int type, int chan, int id, int a, int b, int c, int d, const char *text)
{
    eng_event_t *ev;
    int wake = 0;

    pthread_mutex_lock(&e->ev_lock);
    if (e->ev_count == e->ev_cap) {
        /* Nobody reads: count the loss rather than block the media thread. */
        e->ev_dropped++;
        pthread_mutex_unlock(&e->ev_lock);
        return;
    }
    ev = &e->ev_ring[(e->ev_head + e->ev_count) % e->ev_cap];
    e->ev_count++;
    ev->type = type;
    ev->chan = chan;
    ev->time_ms = __atomic_load_n(&e->now_ms, __ATOMIC_ACQUIRE);   /* the recordings' writer emits too */
    ev->id = id;
    ev->a = a;
    ev->b = b;
    ev->c = c;
    ev->d = d;
    if (text) {
        strncpy(ev->text, text, ENG_TEXT_MAX - 1);
        ev->text[ENG_TEXT_MAX - 1] = '\0';
    } else {
        ev->text[0] = '\0';
    }
    if (!e->ev_signalled) {
        e->ev_signalled = 1;
        wake = 1;
    }
    pthread_mutex_unlock(&e->ev_lock);
    if (wake) {
        uint64_t one = 1;
        if (write(e->efd, &one, sizeof(one)) < 0) {
            /* the counter cannot overflow in practice; nothing else to do */
        }
    }
}

int eng_event_fd(engine_t *e)
{
    return e->efd;
}

int eng_read_events(engine_t *e, eng_event_t *out, int max)
{
    int n = 0;
    uint64_t junk;

    if (read(e->efd, &junk, sizeof(junk)) < 0) {
        /* EAGAIN: nothing signalled, the queue may still hold events */
    }
    if (max < 1)
        return 0;
    pthread_mutex_lock(&e->ev_lock);
    /* Lockstep: events are read only once the tick that emitted them is over, so that the clock Python
     * reads while it handles them is the one the tick ended at, whichever thread got there first. */
    while (e->clock_mode == ENG_CLOCK_LOCKSTEP && e->ticking && e->ev_count > 0 && !e->stop_requested)
        pthread_cond_wait(&e->ev_cond, &e->ev_lock);
    if (e->ev_dropped) {
        out[n].type = EV_OVERRUN;
        out[n].chan = -1;
        out[n].time_ms = e->now_ms;
        out[n].id = 0;
        out[n].a = (int) e->ev_dropped;
        out[n].text[0] = '\0';
        e->stats.events_dropped += e->ev_dropped;
        e->ev_dropped = 0;
        n++;
    }
    while (n < max && e->ev_count > 0) {
        out[n++] = e->ev_ring[e->ev_head];
        e->ev_head = (e->ev_head + 1) % e->ev_cap;
        e->ev_count--;
    }
    if (e->ev_count == 0)
        e->ev_signalled = 0;
    else {
        uint64_t one = 1;
        if (write(e->efd, &one, sizeof(one)) < 0) {
        }
    }
    /* In lockstep the clock waits until Python says it has handled these. */
    if (n > 0 && e->clock_mode == ENG_CLOCK_LOCKSTEP)
        e->holds++;
    pthread_mutex_unlock(&e->ev_lock);
    return n;
}

void eng_hold(engine_t *e)
{
    pthread_mutex_lock(&e->ev_lock);
    if (e->clock_mode == ENG_CLOCK_LOCKSTEP) {
        e->holds++;
        while (e->ticking && !e->stop_requested)
            pthread_cond_wait(&e->ev_cond, &e->ev_lock);
    }
    pthread_mutex_unlock(&e->ev_lock);
}

void eng_release(engine_t *e)
{
    pthread_mutex_lock(&e->ev_lock);
    if (e->holds > 0)
        e->holds--;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
}

/* ---- construction ----------------------------------------------------------- */

/* For the locks the media thread shares with other threads: when it runs at real-time priority
 * (eng_set_realtime) and waits for one held by a normal thread, that thread lends its priority
 * instead of waiting behind the fax worker or other processes. */
void eng_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    if (pthread_mutex_init(m, &a) != 0)
        pthread_mutex_init(m, NULL);
    pthread_mutexattr_destroy(&a);
}

engine_t *eng_new(int frame_samples, int max_channels)
{
    engine_t *e;

    if (frame_samples < 8 || frame_samples > MAX_FRAME || frame_samples % 8 != 0 || max_channels < 1
        || max_channels > ENG_MAX_CHANNELS)
        return NULL;
    if ((e = calloc(1, sizeof(*e))) == NULL)
        return NULL;
    e->frame = frame_samples;
    e->frame_ms = frame_samples / 8;
    e->max_channels = max_channels;
    e->chans = calloc((size_t) max_channels, sizeof(chan_t *));
    e->ev_cap = 65536;
    e->ev_ring = calloc((size_t) e->ev_cap, sizeof(eng_event_t));
    e->timers_cap = 1024;
    e->timers = calloc((size_t) e->timers_cap, sizeof(timer_t_));
    e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!e->chans || !e->ev_ring || !e->timers || e->efd < 0) {
        free(e->chans);
        free(e->ev_ring);
        free(e->timers);
        if (e->efd >= 0)
            close(e->efd);
        free(e);
        return NULL;
    }
    eng_mutex_init(&e->cmd_lock);
    eng_mutex_init(&e->ev_lock);
    pthread_cond_init(&e->ev_cond, NULL);
    eng_mutex_init(&e->stats_lock);
    eng_mutex_init(&e->prompt_lock);
    prompt_loaders_init(e);
    pthread_mutex_init(&e->faxw_lock, NULL);
    errno = 0;
    e->base_nice = getpriority(PRIO_PROCESS, 0);
    if (errno != 0)
        e->base_nice = 0;
    e->clock_mode = ENG_CLOCK_REALTIME;
    e->speed = 1.0;
    codec_tables_init(e);
    rec_writer_start(e);
    return e;
}

static void free_cmd(cmd_t *c)
{
    free(c->s1);
    free(c->s2);
    free(c->s3);
    if (c->ptr) {
        if (c->op == CMD_PLAY)
            play_item_free(c->ptr);
        else if (c->op == CMD_RECORD)
            rec_free(c->ptr);
        else if (c->op == CMD_AMD)
            free(c->ptr);           /* the settings: amd_start copied them */
        else if (c->op == CMD_LINE_TONE)
            free(c->ptr);
    }
    free(c);
}

void eng_free(engine_t *e)
{
    int i;
    cmd_t *c, *next;

    if (!e)
        return;
    eng_stop(e);
    fax_worker_free(e);         /* frees the terminals; the channels' pipes go with the channels */
    rec_writer_stop(e);         /* writes what is queued, so the recorders can be freed */
    prompt_loaders_stop(e);
    for (c = e->cmd_head; c; c = next) {
        next = c->next;
        free_cmd(c);
    }
    conf_free_all(e);
    for (i = 0; i < e->nchans; i++)
        chan_free(e->chans[i]);
    for (i = 0; i < e->nspans; i++) {
        if (e->spans[i]->ops->free)
            e->spans[i]->ops->free(e->spans[i]);
        free(e->spans[i]);
    }
    for (i = 0; i < MAX_ZONES; i++)
        if (e->zones[i].rx_desc)
            super_tone_rx_free_descriptor(e->zones[i].rx_desc);
    prompt_cache_free(e);
    close(e->efd);
    free(e->chans);
    free(e->ev_ring);
    free(e->timers);
    free(e);
}

span_t *eng_new_span(engine_t *e, const driver_ops_t *ops, void *drv)
{
    span_t *s;

    if (e->nspans >= MAX_SPANS || (s = calloc(1, sizeof(*s))) == NULL)
        return NULL;
    s->index = e->nspans;
    s->eng = e;
    s->ops = ops;
    s->drv = drv;
    s->first_chan = e->nchans;
    e->spans[e->nspans++] = s;
    return s;
}

chan_t *eng_new_channel(engine_t *e, span_t *s, int kind, int codec, int zone)
{
    chan_t *c;

    if (e->nchans >= e->max_channels || (c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    c->id = e->nchans;
    c->kind = kind;
    c->codec = codec;
    c->zone = zone;
    c->span = s;
    c->rx_gain = c->tx_gain = 4096;
    c->progress_tone = -1;
    e->chans[e->nchans++] = c;
    s->nchans++;
    return c;
}

chan_t *eng_chan(engine_t *e, int id)
{
    if (id < 0 || id >= e->nchans)
        return NULL;
    return e->chans[id];
}

int eng_chan_info(engine_t *e, int chan, int *kind, int *span, int *codec)
{
    chan_t *c = eng_chan(e, chan);

    eng_clear_error(e);
    if (!c)
        return eng_fail(e, ENG_ENOCHAN, "channel info: no channel %d", chan);
    *kind = c->kind;
    *span = c->span->index;
    *codec = c->codec;
    return 0;
}

/* ---- timers (a binary heap on due time) ------------------------------------ */

static void timer_swap(engine_t *e, int i, int j)
{
    timer_t_ t = e->timers[i];
    e->timers[i] = e->timers[j];
    e->timers[j] = t;
}

static void timer_sift_down(engine_t *e, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < e->ntimers && e->timers[l].due_ms < e->timers[m].due_ms)
            m = l;
        if (r < e->ntimers && e->timers[r].due_ms < e->timers[m].due_ms)
            m = r;
        if (m == i)
            return;
        timer_swap(e, i, m);
        i = m;
    }
}

static void timer_sift_up(engine_t *e, int i)
{
    while (i > 0 && e->timers[(i - 1) / 2].due_ms > e->timers[i].due_ms) {
        timer_swap(e, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void timer_remove_at(engine_t *e, int i)
{
    e->ntimers--;
    if (i == e->ntimers)
        return;
    e->timers[i] = e->timers[e->ntimers];
    timer_sift_down(e, i);
    timer_sift_up(e, i);
}

static void timer_cancel_id(engine_t *e, int id)
{
    int i;
    for (i = 0; i < e->ntimers; i++) {
        if (e->timers[i].id == id) {
            timer_remove_at(e, i);
            return;
        }
    }
}

static void timer_add(engine_t *e, int id, int ms)
{
    if (e->ntimers == e->timers_cap) {
        timer_t_ *t = realloc(e->timers, sizeof(timer_t_) * (size_t) e->timers_cap * 2);
        if (!t) {
            eng_emit(e, EV_ERROR, -1, id, 0, 0, 0, 0, "timer: out of memory");
            return;
        }
        e->timers = t;
        e->timers_cap *= 2;
    }
    timer_cancel_id(e, id);
    e->timers[e->ntimers].id = id;
    e->timers[e->ntimers].due_ms = e->now_ms + ms;
    e->ntimers++;
    timer_sift_up(e, e->ntimers - 1);
}

static void timers_fire(engine_t *e)
{
    while (e->ntimers > 0 && e->timers[0].due_ms <= e->now_ms) {
        int id = e->timers[0].id;
        timer_remove_at(e, 0);
        eng_emit(e, EV_TIMER, -1, id, 0, 0, 0, 0, NULL);
    }
}

/* ---- commands ----------------------------------------------------------------- */

int eng_push_cmd(engine_t *e, cmd_t *c)
{
    c->next = NULL;
    pthread_mutex_lock(&e->cmd_lock);
    if (e->cmd_tail)
        e->cmd_tail->next = c;
    else
        e->cmd_head = c;
    e->cmd_tail = c;
    pthread_mutex_unlock(&e->cmd_lock);
    /* A lockstep engine may be waiting for a release; a command is news too. */
    pthread_mutex_lock(&e->ev_lock);
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
    return 0;
}

cmd_t *eng_new_cmd(int op, int chan, int id)
{
    cmd_t *c = calloc(1, sizeof(*c));
    if (c) {
        c->op = op;
        c->chan = chan;
        c->id = id;
    }
    return c;
}

static void apply_cmd(engine_t *e, cmd_t *cmd)
{
    chan_t *c;

    switch (cmd->op) {
    case CMD_TIMER:
        timer_add(e, cmd->id, cmd->a);
        return;
    case CMD_TIMER_CANCEL:
        timer_cancel_id(e, cmd->id);
        return;
    default:
        break;
    }
    c = eng_chan(e, cmd->chan);
    if (!c)
        return;
    chan_apply_cmd(e, c, cmd);
}

static void drain_commands(engine_t *e)
{
    cmd_t *c, *next;

    pthread_mutex_lock(&e->cmd_lock);
    c = e->cmd_head;
    e->cmd_head = e->cmd_tail = NULL;
    pthread_mutex_unlock(&e->cmd_lock);
    for (; c; c = next) {
        next = c->next;
        apply_cmd(e, c);
        free_cmd(c);
    }
}

/* ---- one tick ---------------------------------------------------------------------- */

/* How far ahead a channel's memory is asked of the cache (channel.c, chan_prefetch_*): its lines holding
 * pointers first, then, two channels later, what those pointers lead to. */
#define PREFETCH_HEAD 4
#define PREFETCH_NEXT 2

static void tick(engine_t *e)
{
    int i, active = 0;

    e->fax_late_tick = 0;
    e->fax_lag_tick = 0;
    drain_commands(e);
    for (i = 0; i < e->nspans; i++)
        if (e->spans[i]->ops->tick_begin)
            e->spans[i]->ops->tick_begin(e->spans[i]);
    gw_tick(e);
    for (i = 0; i < e->nchans; i++) {
        chan_t *c = e->chans[i];
        if (i + PREFETCH_HEAD < e->nchans)
            chan_prefetch_head(e->chans[i + PREFETCH_HEAD]);
        if (i + PREFETCH_NEXT < e->nchans && chan_is_active(e->chans[i + PREFETCH_NEXT]))
            chan_prefetch_rx(e->chans[i + PREFETCH_NEXT]);
        c->active = chan_is_active(c);
        if (c->active) {
            chan_rx(e, c);
            active++;
        }
    }
    gw_detect(e);
    fax_tick_rx_done(e);
    conf_mix(e);
    for (i = 0; i < e->nchans; i++) {
        chan_t *c = e->chans[i];
        if (i + PREFETCH_HEAD < e->nchans)
            chan_prefetch_head(e->chans[i + PREFETCH_HEAD]);
        if (i + PREFETCH_NEXT < e->nchans && e->chans[i + PREFETCH_NEXT]->active)
            chan_prefetch_tx(e->chans[i + PREFETCH_NEXT]);
        if (c->active)
            chan_tx(e, c);
    }
    for (i = 0; i < e->nspans; i++)
        if (e->spans[i]->ops->tick_end)
            e->spans[i]->ops->tick_end(e->spans[i]);
    fax_tick_end(e);
    if (e->fax_late_tick || e->fax_lag_tick) {      /* a tick with fax work */
        pthread_mutex_lock(&e->stats_lock);
        e->stats.fax_frames_late += e->fax_late_tick;
        if (e->fax_lag_tick > e->stats.fax_lag_max)
            e->stats.fax_lag_max = e->fax_lag_tick;
        pthread_mutex_unlock(&e->stats_lock);
    }
    e->tick++;
    /* read without a lock by eng_now_ms() from other threads */
    __atomic_store_n(&e->now_ms, e->now_ms + e->frame_ms, __ATOMIC_RELEASE);
    timers_fire(e);
    e->stats.active_channels = active;
}

int eng_run_ticks(engine_t *e, int n)
{
    int i;
    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "run ticks: the media thread is running");
    if (n < 0)
        return eng_fail(e, ENG_EINVAL, "run ticks: %d ticks", n);
    e->wait_workers = 1;
    for (i = 0; i < n; i++)
        tick(e);
    e->stats.ticks = e->tick;
    e->stats.time_ms = e->now_ms;
    return 0;
}

/* ---- the media thread ------------------------------------------------------------- */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t)
{
    struct timespec ts;
    ts.tv_sec = t / 1000000000LL;
    ts.tv_nsec = t % 1000000000LL;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Lockstep: wait until Python has read and handled every event it was sent and holds the clock no
 * more; the tick that follows is marked as in progress (eng_hold waits for its end). */
static int wait_for_release(engine_t *e)
{
    pthread_mutex_lock(&e->ev_lock);
    while (!e->stop_requested && e->clock_mode == ENG_CLOCK_LOCKSTEP
           && (e->holds > 0 || e->ev_count > 0))
        pthread_cond_wait(&e->ev_cond, &e->ev_lock);
    e->ticking = 1;
    pthread_mutex_unlock(&e->ev_lock);
    return !e->stop_requested;
}

static void tick_done(engine_t *e)
{
    pthread_mutex_lock(&e->ev_lock);
    e->ticking = 0;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
}

static void *media_thread(void *arg)
{
    engine_t *e = arg;
    int64_t period_ns = (int64_t) e->frame_ms * 1000000LL;
    int64_t next = mono_ns();
    int prio = 0, want, last_mode = e->clock_mode;

    pthread_setname_np(pthread_self(), "tel-media");    /* for top -H and /proc/<pid>/task */
    while (!e->stop_requested) {
        int64_t t0, t1, work, due;
        int mode = e->clock_mode;
        double speed = e->speed;

        if (mode == ENG_CLOCK_REALTIME && last_mode != ENG_CLOCK_REALTIME) {
            /* Real time starts a frame after the last tick, not at once: the fax worker, held to
             * the media thread's pace until now, has a frame's time for the frame due next. */
            next = mono_ns() + period_ns;
            sleep_until_ns(next);
        }
        last_mode = mode;

        /* never at SCHED_FIFO on the fast clock: a tick loop that does not sleep would take the core */
        want = mode == ENG_CLOCK_FAST ? 0 : __atomic_load_n(&e->rt_prio, __ATOMIC_ACQUIRE);
        if (want != prio) {
            int rc = eng_thread_priority(e, want, 0);
            if (rc != 0) {
                char text[120];
                snprintf(text, sizeof(text), "media thread: real-time priority %d refused: %s", want, strerror(rc));
                eng_emit(e, EV_ERROR, -1, 0, ENG_ESYS, 0, 0, 0, text);
            }
            prio = want;
        }

        if (mode == ENG_CLOCK_LOCKSTEP && !wait_for_release(e))
            break;
        /* only a real-time clock may leave a fax frame unanswered or a prompt unheard rather than wait */
        e->wait_workers = mode != ENG_CLOCK_REALTIME;
        due = next;
        t0 = mono_ns();
        tick(e);
        t1 = mono_ns();
        if (mode == ENG_CLOCK_LOCKSTEP)
            tick_done(e);
        work = t1 - t0;
        pthread_mutex_lock(&e->stats_lock);
        e->stats.ticks = e->tick;
        e->stats.time_ms = e->now_ms;
        e->stats.work_ns_total += work;
        if (work > e->stats.work_ns_max)
            e->stats.work_ns_max = work;
        if (work > period_ns)
            e->stats.late_ticks++;
        if (mode == ENG_CLOCK_REALTIME) {
            /* woken late (another thread had the core) counts as much as working long */
            if (t0 - due > e->stats.wake_ns_max)
                e->stats.wake_ns_max = t0 - due;
            if (t1 - due > period_ns)
                e->stats.deadline_misses++;
        }
        pthread_mutex_unlock(&e->stats_lock);

        if (mode == ENG_CLOCK_REALTIME || speed > 0.0) {
            int64_t step = mode == ENG_CLOCK_REALTIME ? period_ns : (int64_t) (period_ns / speed);
            next += step;
            if (t1 - next > 5 * step)
                next = t1;          /* a long stall: do not burst to catch up */
            else if (next > t1)
                sleep_until_ns(next);
        } else {
            next = t1;
        }
    }
    eng_emit(e, EV_STOPPED, -1, 0, 0, 0, 0, 0, NULL);
    return NULL;
}

int eng_start(engine_t *e)
{
    eng_clear_error(e);
    if (e->running)
        return eng_fail(e, ENG_ESTATE, "start: the media thread is already running");
    e->stop_requested = 0;
    if (pthread_create(&e->thread, NULL, media_thread, e) != 0) {
        eng_set_error(e, "cannot start the media thread: %s", strerror(errno));
        return ENG_ESYS;
    }
    e->running = 1;
    return 0;
}

int eng_stop(engine_t *e)
{
    if (!e->running)
        return 0;
    pthread_mutex_lock(&e->ev_lock);
    e->stop_requested = 1;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
    prompt_loaders_wake(e);     /* a media thread waiting for a prompt (not in real time) */
    pthread_join(e->thread, NULL);
    e->running = 0;
    return 0;
}

int eng_thread_priority(engine_t *e, int rt_prio, int nice_delta)
{
    struct sched_param sp;
    int rc;

    memset(&sp, 0, sizeof(sp));
    if (rt_prio > 0) {
        sp.sched_priority = rt_prio;
        return pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    }
    if ((rc = pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp)) != 0)
        return rc;
    /* on Linux a thread's nice is its own: PRIO_PROCESS with the thread id */
    return setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid), e->base_nice + nice_delta) < 0 ? errno : 0;
}

static void *fifo_probe(void *arg)
{
    return arg;
}

/* Whether this process may run a thread at SCHED_FIFO priority: asked of the kernel by
 * starting one (root in a container without CAP_SYS_NICE may not; a user with ulimit -r may). */
static int fifo_allowed(int priority)
{
    pthread_attr_t attr;
    struct sched_param sp = {.sched_priority = priority};
    pthread_t t;
    int rc;

    pthread_attr_init(&attr);
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
    pthread_attr_setschedparam(&attr, &sp);
    rc = pthread_create(&t, &attr, fifo_probe, NULL);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        pthread_join(t, NULL);
    return rc == 0;
}

int eng_set_realtime(engine_t *e, int priority)
{
    eng_clear_error(e);
    if (priority < 0 || priority > sched_get_priority_max(SCHED_FIFO))
        return eng_fail(e, ENG_EINVAL, "real-time priority %d is out of range (0..%d)", priority,
                        sched_get_priority_max(SCHED_FIFO));
    if (priority > 0 && !fifo_allowed(priority)) {
        eng_set_error(e, "real-time priority %d is not allowed here: it needs root with CAP_SYS_NICE, "
                      "or ulimit -r %d", priority, priority);
        return ENG_ESYS;
    }
    __atomic_store_n(&e->rt_prio, priority, __ATOMIC_RELEASE);
    fax_worker_reprioritise(e);
    return 0;
}

int eng_set_clock(engine_t *e, int mode, double speed)
{
    eng_clear_error(e);
    if (mode < ENG_CLOCK_REALTIME || mode > ENG_CLOCK_LOCKSTEP)
        return eng_fail(e, ENG_EINVAL, "clock: unknown mode %d", mode);
    /* NaN fails both comparisons; the period is divided by the speed */
    if (!(speed >= 0.0 && speed <= ENG_MAX_SPEED))
        return eng_fail(e, ENG_EINVAL, "clock: speed %g is out of range (0: as fast as possible, up to %d)",
                        speed, ENG_MAX_SPEED);
    pthread_mutex_lock(&e->ev_lock);
    e->clock_mode = mode;
    e->speed = speed;
    if (mode != ENG_CLOCK_LOCKSTEP)
        e->holds = 0;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
    return 0;
}

int64_t eng_now_ms(engine_t *e)
{
    /* Python asks for the time with every event it handles: no lock, the media
     * thread publishes the clock with an atomic store. */
    return __atomic_load_n(&e->now_ms, __ATOMIC_ACQUIRE);
}

void eng_get_stats(engine_t *e, eng_stats_t *st)
{
    pthread_mutex_lock(&e->stats_lock);
    *st = e->stats;
    st->channels = e->nchans;
    if (!e->running) {
        st->ticks = e->tick;
        st->time_ms = e->now_ms;
    }
    pthread_mutex_unlock(&e->stats_lock);
}

void eng_reset_stats(engine_t *e)
{
    pthread_mutex_lock(&e->stats_lock);
    e->stats.late_ticks = 0;
    e->stats.work_ns_total = 0;
    e->stats.work_ns_max = 0;
    e->stats.fax_frames_late = 0;
    e->stats.fax_lag_max = 0;
    e->stats.wake_ns_max = 0;
    e->stats.deadline_misses = 0;
    pthread_mutex_unlock(&e->stats_lock);
}

/* ---- spans ---------------------------------------------------------------------------- */

int eng_zone_tone(engine_t *e, int zone, const char *name, int level_dbm0, const int *segs, int nseg, int detect)
{
    zone_t *z;
    zone_tone_t *t;
    int i;

    eng_clear_error(e);
    if (e->running || zone < 0 || zone >= MAX_ZONES || !name || strlen(name) >= sizeof(t->name)
        || nseg < 1 || nseg > MAX_TONE_SEGS || level_dbm0 > 0 || level_dbm0 < -60 || !segs)
        return eng_fail(e, ENG_EINVAL, "tone: zone 0..%d, a name under %zu characters, 1..%d segments, "
                        "level -60..0 dBm0", MAX_ZONES - 1, sizeof(t->name), MAX_TONE_SEGS);
    for (i = 0; i < nseg; i++)
        if (segs[3 * i] < 0 || segs[3 * i] > 3900 || segs[3 * i + 1] < 0 || segs[3 * i + 1] > 3900
            || segs[3 * i + 2] < 0 || segs[3 * i + 2] > ENG_MAX_MEDIA_MS)
            return eng_fail(e, ENG_EINVAL, "tone %s: segment %d: frequencies 0..3900 Hz, 0..%d ms", name, i + 1,
                            ENG_MAX_MEDIA_MS);
    z = &e->zones[zone];
    t = NULL;
    for (i = 0; i < z->ntones; i++)
        if (strcmp(z->tones[i].name, name) == 0)
            t = &z->tones[i];
    if (!t) {
        if (z->ntones >= MAX_ZONE_TONES)
            return ENG_EINVAL;
        t = &z->tones[z->ntones++];
    }
    memset(t, 0, sizeof(*t));
    strcpy(t->name, name);
    t->level = level_dbm0;
    t->detect = detect;
    t->nseg = nseg;
    for (i = 0; i < nseg; i++) {
        t->seg[i].f1 = segs[3 * i];
        t->seg[i].f2 = segs[3 * i + 1];
        t->seg[i].ms = segs[3 * i + 2];
    }
    z->committed = 0;
    return 0;
}

int eng_zone_commit(engine_t *e, int zone)
{
    eng_clear_error(e);
    if (e->running || zone < 0 || zone >= MAX_ZONES)
        return eng_fail(e, ENG_EINVAL, "tone zone %d: out of range (0..%d) or the engine is running", zone,
                        MAX_ZONES - 1);
    return zone_commit(e, zone);
}

const zone_tone_t *zone_find_tone(const zone_t *z, const char *name)
{
    int i;
    for (i = 0; i < z->ntones; i++)
        if (strcmp(z->tones[i].name, name) == 0)
            return &z->tones[i];
    return NULL;
}
