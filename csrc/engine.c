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

/* ---- errors and events ---------------------------------------------------- */

void eng_set_error(engine_t *e, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&e->err_lock);
    va_start(ap, fmt);
    vsnprintf(e->errbuf, sizeof(e->errbuf), fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&e->err_lock);
}

const char *eng_last_error(engine_t *e)
{
    return e->errbuf;
}

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
    ev->time_ms = e->now_ms;
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
    pthread_mutex_lock(&e->ev_lock);
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

    if (frame_samples < 8 || frame_samples > MAX_FRAME || frame_samples % 8 != 0 || max_channels < 1)
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
    pthread_mutex_init(&e->err_lock, NULL);
    eng_mutex_init(&e->prompt_lock);
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

    if (!c)
        return ENG_ENOCHAN;
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

static int push_cmd(engine_t *e, cmd_t *c)
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

static cmd_t *new_cmd(int op, int chan, int id)
{
    cmd_t *c = calloc(1, sizeof(*c));
    if (c) {
        c->op = op;
        c->chan = chan;
        c->id = id;
    }
    return c;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
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

static void tick(engine_t *e)
{
    int i, active = 0;

    e->fax_late_tick = 0;
    e->fax_lag_tick = 0;
    drain_commands(e);
    for (i = 0; i < e->nspans; i++)
        if (e->spans[i]->ops->tick_begin)
            e->spans[i]->ops->tick_begin(e->spans[i]);
    for (i = 0; i < e->nchans; i++) {
        chan_t *c = e->chans[i];
        c->active = chan_is_active(c);
        if (c->active) {
            chan_rx(e, c);
            active++;
        }
    }
    fax_tick_rx_done(e);
    conf_mix(e);
    for (i = 0; i < e->nchans; i++) {
        chan_t *c = e->chans[i];
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
    if (e->running)
        return ENG_ESTATE;
    e->fax_wait = 1;
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
        /* only a real-time clock may leave a fax frame unanswered rather than wait for it */
        e->fax_wait = mode != ENG_CLOCK_REALTIME;
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
    if (e->running)
        return ENG_ESTATE;
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
    if (priority < 0 || priority > sched_get_priority_max(SCHED_FIFO))
        return ENG_EINVAL;
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
    if (mode < ENG_CLOCK_REALTIME || mode > ENG_CLOCK_LOCKSTEP || speed < 0.0)
        return ENG_EINVAL;
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

    if (e->running || zone < 0 || zone >= MAX_ZONES || !name || strlen(name) >= sizeof(t->name)
        || nseg < 1 || nseg > MAX_TONE_SEGS || level_dbm0 > 0 || level_dbm0 < -60)
        return ENG_EINVAL;
    for (i = 0; i < nseg; i++)
        if (segs[3 * i] < 0 || segs[3 * i] > 3900 || segs[3 * i + 1] < 0 || segs[3 * i + 1] > 3900
            || segs[3 * i + 2] < 0)
            return ENG_EINVAL;
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
    if (e->running || zone < 0 || zone >= MAX_ZONES)
        return ENG_EINVAL;
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

/* ---- public commands ----------------------------------------------------------------------- */

#define CHECK_CHAN(e, chan) do { if (!eng_chan((e), (chan))) return ENG_ENOCHAN; } while (0)

static int simple_cmd(engine_t *e, int op, int chan, int id, int a, int b, int c)
{
    cmd_t *cmd;
    CHECK_CHAN(e, chan);
    if ((cmd = new_cmd(op, chan, id)) == NULL)
        return ENG_ENOMEM;
    cmd->a = a;
    cmd->b = b;
    cmd->c = c;
    return push_cmd(e, cmd);
}

int eng_hook(engine_t *e, int chan, int state)
{
    if (state < ENG_HOOK_ON || state > ENG_HOOK_OPEN_LOOP)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_HOOK, chan, 0, state, 0, 0);
}

int eng_cas(engine_t *e, int chan, int bits)
{
    return simple_cmd(e, CMD_CAS, chan, 0, bits & 0xF, 0, 0);
}

int eng_sigmsg(engine_t *e, int chan, const char *msg)
{
    cmd_t *cmd;
    CHECK_CHAN(e, chan);
    if (!msg || (cmd = new_cmd(CMD_SIGMSG, chan, 0)) == NULL)
        return ENG_EINVAL;
    cmd->s1 = strdup(msg);
    return push_cmd(e, cmd);
}

int eng_set_dsp(engine_t *e, int chan, int features)
{
    return simple_cmd(e, CMD_DSP, chan, 0, features, 0, 0);
}

int eng_set_zone(engine_t *e, int chan, int zone)
{
    if (zone < 0 || zone >= MAX_ZONES || !e->zones[zone].committed)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_ZONE, chan, 0, zone, 0, 0);
}

int eng_set_gain(engine_t *e, int chan, int rx_db, int tx_db)
{
    if (rx_db < -24 || rx_db > 24 || tx_db < -24 || tx_db > 24)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_GAIN, chan, 0, rx_db, tx_db, 0);
}

int eng_set_cid_standard(engine_t *e, int chan, int standard)
{
    if (standard != ENG_CID_BELL202 && standard != ENG_CID_V23 && standard != ENG_CID_DTMF)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_CID_STANDARD, chan, 0, standard, 0, 0);
}

static int push_play(engine_t *e, int chan, play_item_t *p)
{
    cmd_t *cmd;
    if (!p)
        return ENG_ENOMEM;
    if ((cmd = new_cmd(CMD_PLAY, chan, p->id)) == NULL) {
        play_item_free(p);
        return ENG_ENOMEM;
    }
    cmd->ptr = p;
    return push_cmd(e, cmd);
}

int eng_play_file(engine_t *e, int chan, int id, const char *path, int flags)
{
    CHECK_CHAN(e, chan);
    if (!path)
        return ENG_EINVAL;
    /* Opened here, in the caller's thread, so that the media thread never waits on open(). */
    return push_play(e, chan, play_open_file(e, id, path, flags));
}

int eng_play_tone(engine_t *e, int chan, int id, const char *tone, int ms, int flags)
{
    chan_t *c = eng_chan(e, chan);
    if (!c)
        return ENG_ENOCHAN;
    if (!tone)
        return ENG_EINVAL;
    return push_play(e, chan, play_new_tone(e, &e->zones[c->zone], id, tone, ms, flags));
}

int eng_play_silence(engine_t *e, int chan, int id, int ms, int flags)
{
    CHECK_CHAN(e, chan);
    return push_play(e, chan, play_new_silence(id, ms, flags));
}

int eng_play_stop(engine_t *e, int chan, int id)
{
    return simple_cmd(e, CMD_PLAY_STOP, chan, id, 0, 0, 0);
}

int eng_send_dtmf(engine_t *e, int chan, int id, const char *digits, int on_ms, int off_ms)
{
    cmd_t *cmd;
    const char *p;
    CHECK_CHAN(e, chan);
    if (!digits || !*digits || strlen(digits) > 128)
        return ENG_EINVAL;
    for (p = digits; *p; p++)
        if (!strchr("0123456789*#ABCDabcd", *p))
            return ENG_EINVAL;
    if ((cmd = new_cmd(CMD_DTMF, chan, id)) == NULL)
        return ENG_ENOMEM;
    cmd->s1 = strdup(digits);
    cmd->a = on_ms > 0 ? on_ms : 100;
    cmd->b = off_ms > 0 ? off_ms : 100;
    return push_cmd(e, cmd);
}

int eng_send_cid(engine_t *e, int chan, int id, int standard, int mdmf,
                 const char *number, const char *name, const char *datetime)
{
    cmd_t *cmd;
    CHECK_CHAN(e, chan);
    if (standard != ENG_CID_BELL202 && standard != ENG_CID_V23 && standard != ENG_CID_DTMF)
        return ENG_EINVAL;
    if ((cmd = new_cmd(CMD_CID, chan, id)) == NULL)
        return ENG_ENOMEM;
    cmd->a = standard;
    cmd->b = mdmf;
    cmd->s1 = dup_or_null(number);
    cmd->s2 = dup_or_null(name);
    cmd->s3 = dup_or_null(datetime);
    return push_cmd(e, cmd);
}

int eng_send_mwi(engine_t *e, int chan, int id, int standard, int mdmf, int messages)
{
    if (standard != ENG_CID_BELL202 && standard != ENG_CID_V23)
        return ENG_EINVAL;
    if (messages < 0)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_MWI, chan, id, standard, mdmf, messages);
}

int eng_set_vmwi(engine_t *e, int chan, int how, int messages)
{
    if (how <= 0 || (how & ~(ENG_VMWI_LREV | ENG_VMWI_HVDC | ENG_VMWI_HVAC)) || messages < 0)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_VMWI, chan, 0, how, messages, 0);
}

int eng_record(engine_t *e, int chan, int id, const char *path, int mode, int codec,
               int max_ms, int silence_ms, const char *stop_digits)
{
    cmd_t *cmd;
    recorder_t *r;
    char err[300];

    CHECK_CHAN(e, chan);
    if (!path || mode < ENG_REC_RX || mode > ENG_REC_STEREO || codec < ENG_CODEC_ALAW || codec > ENG_CODEC_LINEAR)
        return ENG_EINVAL;
    if ((cmd = new_cmd(CMD_RECORD, chan, id)) == NULL)
        return ENG_ENOMEM;
    r = rec_open(e, id, path, mode, codec, max_ms, silence_ms, stop_digits, err, sizeof(err));
    if (!r) {
        /* The failure reaches the application as the recording's end, on its channel. */
        cmd->s1 = strdup(err);
    }
    cmd->ptr = r;
    return push_cmd(e, cmd);
}

int eng_record_stop(engine_t *e, int chan, int id)
{
    return simple_cmd(e, CMD_RECORD_STOP, chan, id, 0, 0, 0);
}

int eng_conf_join(engine_t *e, int conf, int chan, int role, int whisper_to)
{
    if (conf <= 0 || role < ENG_CONF_SPEAK || role > ENG_CONF_WHISPER)
        return ENG_EINVAL;
    if (role == ENG_CONF_WHISPER && !eng_chan(e, whisper_to))
        return ENG_ENOCHAN;
    return simple_cmd(e, CMD_CONF_JOIN, chan, 0, conf, role, whisper_to);
}

int eng_conf_leave(engine_t *e, int chan)
{
    return simple_cmd(e, CMD_CONF_LEAVE, chan, 0, 0, 0, 0);
}

int eng_fax(engine_t *e, int chan, int id, int send, const char *path, int calling,
            int ecm, const char *ident, const char *header)
{
    cmd_t *cmd;
    char err[300];

    CHECK_CHAN(e, chan);
    if (!path)
        return ENG_EINVAL;
    if ((cmd = new_cmd(CMD_FAX, chan, id)) == NULL)
        return ENG_ENOMEM;
    /* Checked here, in the caller's thread; a failure reaches the application as the fax's end. */
    if (fax_worker_init(e, err, sizeof(err)) < 0 || fax_check(path, send, err, sizeof(err)) < 0) {
        cmd->d = -1;
        cmd->s1 = strdup(err);
    } else {
        cmd->a = send;
        cmd->b = calling;
        cmd->c = ecm;
        cmd->s1 = strdup(path);
        cmd->s2 = dup_or_null(ident);
        cmd->s3 = dup_or_null(header);
    }
    return push_cmd(e, cmd);
}

int eng_fax_stop(engine_t *e, int chan)
{
    return simple_cmd(e, CMD_FAX_STOP, chan, 0, 0, 0, 0);
}

int eng_timer(engine_t *e, int id, int ms)
{
    cmd_t *cmd;
    if (ms < 0)
        return ENG_EINVAL;
    if ((cmd = new_cmd(CMD_TIMER, -1, id)) == NULL)
        return ENG_ENOMEM;
    cmd->a = ms;
    return push_cmd(e, cmd);
}

int eng_timer_cancel(engine_t *e, int id)
{
    cmd_t *cmd;
    if ((cmd = new_cmd(CMD_TIMER_CANCEL, -1, id)) == NULL)
        return ENG_ENOMEM;
    return push_cmd(e, cmd);
}

int eng_sim_loopback(engine_t *e, int chan, int on)
{
    chan_t *c = eng_chan(e, chan);
    if (!c)
        return ENG_ENOCHAN;
    if (c->span->ops != &sim_driver_ops)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_LOOPBACK, chan, 0, on, 0, 0);
}

int eng_sim_impair(engine_t *e, int chan, int noise_dbm0, int echo_db, int loss_db)
{
    chan_t *c = eng_chan(e, chan);
    if (!c)
        return ENG_ENOCHAN;
    if (c->span->ops != &sim_driver_ops)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_IMPAIR, chan, 0, noise_dbm0, echo_db, loss_db);
}

int eng_sim_far(engine_t *e, int chan)
{
    chan_t *c = eng_chan(e, chan);
    if (!c)
        return ENG_ENOCHAN;
    if (c->span->ops != &sim_driver_ops)
        return ENG_EINVAL;
    return sim_far_of(e, c);
}
