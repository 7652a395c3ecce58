/*
 * Prompt files, opened, probed and cached by loader threads: never on the caller's thread (chand's
 * event loop, where a stalled disk or a FIFO named as a prompt stalled every call), never on the
 * media thread in real time.
 *
 * eng_play_file() only names the file: its play item goes into the channel's queue at once (so
 * plays and stops on a channel keep the order of the calls, and a stop applies to an item still
 * loading) and a load is queued for a loader. The loader opens the file (regular files only, see
 * files.c), probes it (a WAV header, or raw samples by extension) and, for a prompt up to
 * PROMPT_CACHE_FILE_MAX, reads it into the prompt cache. When the item comes to be heard the media
 * thread takes what the loader made: in real time, if the load has not finished, the line hears
 * silence until it has (a stalled disk silences the calls whose prompts are on it, never makes
 * a tick late); on every other clock the media thread waits for it, so tests see the same events
 * at the same engine times on any machine.
 *
 * A prompt too large for the cache (or when the cache is full) is streamed: the loaders read it
 * ahead a block at a time into one buffer while the channel plays the other, so the media thread
 * never reads a file either; in real time a block not read in time is heard as silence, on the
 * other clocks the media thread waits for it.
 *
 * Loaders start when loads wait and none is idle, up to PROMPT_LOADERS: an open that never
 * returns holds up one loader, not every prompt. A load belongs to its play item and, while it
 * is queued or being worked on, to a loader; whichever lets go last frees it (and closes a
 * streamed prompt's file), so a playback stopped while its file loads just leaves the loader to
 * finish (or skip) it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_private.h"

#define PROMPT_CACHE_FILE_MAX (4 << 20)       /* larger files are streamed */
#define PROMPT_CACHE_TOTAL_MAX (256 << 20)

enum { LOAD_PENDING = 0, LOAD_READY, LOAD_FAILED };     /* the open */
enum { JOB_OPEN, JOB_READ };                            /* what a loader is to do with it next */
enum { RD_IDLE, RD_PENDING, RD_DONE };                  /* a streamed prompt's block being read */

struct prompt_load_s {
    engine_t *eng;
    char *path;
    int codec;                  /* ENG_CODEC_*, or PROMPT_WAV: from the header; then the samples' */
    int state;                  /* LOAD_*: written by the loader (release), read by the media thread */
    int refs;                   /* the play item, and a loader while queued or working; under load_lock */
    int job;                    /* JOB_*: set before it is queued */
    prompt_t *cached;           /* LOAD_READY: the samples in the cache; NULL: streamed */
    char error[ENG_TEXT_MAX];   /* LOAD_FAILED: why */
    struct prompt_load_s *next;

    /* a streamed prompt: blocks read ahead by the loaders (rd_* under load_lock) */
    int fd;
    uint8_t *buf[2];
    int64_t start, end;         /* the samples in the file; end -1: to the end of the file */
    int64_t next_off;           /* the media thread's: where the block after the one it plays starts */
    int held;                   /* the buffer the channel plays from */
    int rd_state, rd_stale;     /* rd_stale: asked for before a rewind (LOOP): read again */
    int rd_buf, rd_want, rd_got;
    int64_t rd_off;
};

/* ---- the prompt cache ---------------------------------------------------------------------- */

/*
 * An IVR plays the same few hundred prompts on every channel, so their samples are read once and
 * shared (keyed by device, inode, size and mtime, so a prompt replaced on disk is read anew). It also
 * keeps thousands of channels that started together from all refilling their read-ahead buffers
 * with read() on the same tick.
 */
static prompt_t *prompt_get(engine_t *e, int fd, const struct stat *st, int codec, int64_t off, int64_t len)
{
    prompt_t *p, **pp;
    int64_t ns = (int64_t) st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;

    pthread_mutex_lock(&e->prompt_lock);
    for (p = e->prompts; p; p = p->next) {
        if (p->dev == (uint64_t) st->st_dev && p->ino == (uint64_t) st->st_ino && p->size == (uint64_t) st->st_size
            && p->mtime_ns == ns && p->codec == codec && p->len == len) {
            p->refs++;
            pthread_mutex_unlock(&e->prompt_lock);
            return p;
        }
    }
    /* make room: drop prompts nobody plays until the total fits */
    for (pp = &e->prompts; *pp && e->prompt_bytes + len > PROMPT_CACHE_TOTAL_MAX;) {
        p = *pp;
        if (p->refs == 0) {
            *pp = p->next;
            e->prompt_bytes -= p->len;
            free(p->data);
            free(p);
        } else {
            pp = &p->next;
        }
    }
    pthread_mutex_unlock(&e->prompt_lock);
    if (e->prompt_bytes + len > PROMPT_CACHE_TOTAL_MAX || (p = calloc(1, sizeof(*p))) == NULL)
        return NULL;
    if ((p->data = malloc((size_t) (len > 0 ? len : 1))) == NULL || pread(fd, p->data, (size_t) len, off) != len) {
        free(p->data);
        free(p);
        return NULL;
    }
    p->eng = e;
    p->dev = (uint64_t) st->st_dev;
    p->ino = (uint64_t) st->st_ino;
    p->size = (uint64_t) st->st_size;
    p->mtime_ns = ns;
    p->codec = codec;
    p->len = len;
    p->refs = 1;
    pthread_mutex_lock(&e->prompt_lock);
    p->next = e->prompts;
    e->prompts = p;
    e->prompt_bytes += len;
    pthread_mutex_unlock(&e->prompt_lock);
    return p;
}

static void prompt_put(prompt_t *p)
{
    pthread_mutex_lock(&p->eng->prompt_lock);
    p->refs--;
    pthread_mutex_unlock(&p->eng->prompt_lock);
}

void prompt_cache_free(engine_t *e)
{
    prompt_t *p, *next;
    for (p = e->prompts; p; p = next) {
        next = p->next;
        free(p->data);
        free(p);
    }
    e->prompts = NULL;
    e->prompt_bytes = 0;
}

/* ---- one load, on a loader -------------------------------------------------------------------- */

static int read_block(prompt_load_t *l)
{
    ssize_t r;

    do
        r = pread(l->fd, l->buf[l->rd_buf], (size_t) l->rd_want, l->rd_off);
    while (r < 0 && errno == EINTR);
    return (int) r;
}

static int load(engine_t *e, prompt_load_t *l)
{
    wav_info_t info;
    struct stat st;
    int fd = file_open_regular(l->path, 0, l->error, sizeof(l->error));

    if (fd < 0)
        return -1;
    memset(&info, 0, sizeof(info));
    if (l->codec == PROMPT_WAV) {
        if (wav_probe(fd, l->path, &info, l->error, sizeof(l->error)) < 0) {
            close(fd);
            return -1;
        }
    } else {
        info.codec = l->codec;
        info.data_offset = 0;
        info.data_len = lseek(fd, 0, SEEK_END);
    }
    l->codec = info.codec;
    if (fstat(fd, &st) == 0 && info.data_len >= 0 && info.data_len <= PROMPT_CACHE_FILE_MAX
        && (l->cached = prompt_get(e, fd, &st, info.codec, info.data_offset, info.data_len)) != NULL) {
        close(fd);
        return 0;
    }
    /* streamed: the first block read now, so the prompt starts on time */
    if ((l->buf[0] = malloc(PROMPT_READ_AHEAD)) == NULL || (l->buf[1] = malloc(PROMPT_READ_AHEAD)) == NULL) {
        close(fd);
        snprintf(l->error, sizeof(l->error), "%s: out of memory", l->path);
        return -1;
    }
    l->fd = fd;
    l->start = info.data_offset;
    l->end = info.data_len >= 0 ? info.data_offset + info.data_len : -1;
    l->next_off = l->start;
    l->held = 1;
    l->rd_buf = 0;
    l->rd_off = l->start;
    l->rd_want = l->end >= 0 && l->end - l->start < PROMPT_READ_AHEAD ? (int) (l->end - l->start) : PROMPT_READ_AHEAD;
    l->rd_got = read_block(l);
    l->rd_state = RD_DONE;
    return 0;
}

/* The last reference gone: the load and whatever it made that nobody took. */
static void load_free(prompt_load_t *l)
{
    if (l->fd >= 0)
        close(l->fd);
    if (l->cached)
        prompt_put(l->cached);
    free(l->buf[0]);
    free(l->buf[1]);
    free(l->path);
    free(l);
}

/* Drops one reference; call with load_lock held. 1: it was the last (free it after unlocking). */
static int unref_locked(prompt_load_t *l)
{
    return --l->refs == 0;
}

static void *loader_main(void *arg)
{
    engine_t *e = arg;

    pthread_setname_np(pthread_self(), "tel-prompt");     /* for top -H and /proc/<pid>/task */
    pthread_mutex_lock(&e->load_lock);
    for (;;) {
        prompt_load_t *l;
        int rc, last, job;

        while (!e->load_head && !e->load_quit) {
            e->load_idle++;
            pthread_cond_wait(&e->load_work, &e->load_lock);
            e->load_idle--;
        }
        if (e->load_quit)
            break;
        l = e->load_head;
        e->load_head = l->next;
        if (!e->load_head)
            e->load_tail = NULL;
        e->load_queued--;
        job = l->job;
        /* the playback was stopped before its turn: nobody will hear it, the disk is spared */
        rc = l->refs == 1 ? -1 : 0;
        pthread_mutex_unlock(&e->load_lock);
        if (rc == 0)
            rc = job == JOB_OPEN ? load(e, l) : read_block(l);
        pthread_mutex_lock(&e->load_lock);
        if (job == JOB_OPEN) {
            __atomic_store_n(&l->state, rc < 0 ? LOAD_FAILED : LOAD_READY, __ATOMIC_RELEASE);
        } else {
            l->rd_got = rc;
            l->rd_state = RD_DONE;
        }
        pthread_cond_broadcast(&e->load_done);
        last = unref_locked(l);
        if (last) {
            pthread_mutex_unlock(&e->load_lock);
            load_free(l);
            pthread_mutex_lock(&e->load_lock);
        }
    }
    pthread_mutex_unlock(&e->load_lock);
    return NULL;
}

/* ---- the play item's side ------------------------------------------------------------------------ */

void prompt_loaders_init(engine_t *e)
{
    eng_mutex_init(&e->load_lock);
    pthread_cond_init(&e->load_work, NULL);
    pthread_cond_init(&e->load_done, NULL);
}

/* Queues l for a loader (one more reference), starting a loader if none is idle; 0, or -1 and why
 * in err when no loader can take it. */
static int enqueue_locked(engine_t *e, prompt_load_t *l, char *err, int errlen)
{
    int rc = 0;

    if (e->load_queued >= e->load_idle && e->nloaders < PROMPT_LOADERS && !e->load_quit) {
        rc = pthread_create(&e->loaders[e->nloaders], NULL, loader_main, e);
        if (rc == 0)
            e->nloaders++;
    }
    if (e->nloaders == 0 || e->load_quit) {
        snprintf(err, (size_t) errlen, "%s: cannot start a prompt loader: %s", l->path,
                 e->load_quit ? "the engine is closing" : strerror(rc));
        return -1;
    }
    l->next = NULL;
    if (e->load_tail)
        e->load_tail->next = l;
    else
        e->load_head = l;
    e->load_tail = l;
    e->load_queued++;
    l->refs++;
    if (e->load_idle > 0)
        pthread_cond_signal(&e->load_work);     /* a busy loader looks at the queue before it waits */
    return 0;
}

prompt_load_t *prompt_load_start(engine_t *e, const char *path, int codec)
{
    prompt_load_t *l = calloc(1, sizeof(*l));

    if (!l || (l->path = strdup(path)) == NULL) {
        free(l);
        return NULL;
    }
    l->eng = e;
    l->codec = codec;
    l->fd = -1;
    l->refs = 1;
    l->job = JOB_OPEN;
    pthread_mutex_lock(&e->load_lock);
    /* no loader to do it: the playback ends with why, on its channel */
    if (enqueue_locked(e, l, l->error, sizeof(l->error)) < 0)
        l->state = LOAD_FAILED;
    pthread_mutex_unlock(&e->load_lock);
    return l;
}

int prompt_load_take(prompt_load_t *l, int wait, int *codec, prompt_t **cached, char *err, int errlen)
{
    engine_t *e = l->eng;
    int state = __atomic_load_n(&l->state, __ATOMIC_ACQUIRE);

    if (state == LOAD_PENDING && wait) {
        pthread_mutex_lock(&e->load_lock);
        while ((state = __atomic_load_n(&l->state, __ATOMIC_ACQUIRE)) == LOAD_PENDING
               && !__atomic_load_n(&e->stop_requested, __ATOMIC_ACQUIRE))
            pthread_cond_wait(&e->load_done, &e->load_lock);
        pthread_mutex_unlock(&e->load_lock);
    }
    if (state == LOAD_PENDING)
        return 0;
    if (state == LOAD_FAILED) {
        snprintf(err, (size_t) errlen, "%s", l->error);
        return -1;
    }
    *codec = l->codec;
    *cached = l->cached;
    return 1;
}

/* ---- streamed prompts ------------------------------------------------------------------------------ */

/* Asks a loader for the block at next_off, into the buffer the channel does not play from; 0 when
 * the samples have ended (nothing to ask). A loader that cannot be had makes the block an error. */
static int request_locked(engine_t *e, prompt_load_t *l)
{
    char err[ENG_TEXT_MAX];
    int64_t left = l->end >= 0 ? l->end - l->next_off : PROMPT_READ_AHEAD;

    if (left <= 0)
        return 0;
    l->rd_buf = l->held ^ 1;
    l->rd_off = l->next_off;
    l->rd_want = left < PROMPT_READ_AHEAD ? (int) left : PROMPT_READ_AHEAD;
    l->job = JOB_READ;
    if (enqueue_locked(e, l, err, sizeof(err)) < 0) {
        l->rd_got = -1;
        l->rd_state = RD_DONE;
    } else {
        l->rd_state = RD_PENDING;
    }
    return 1;
}

int prompt_stream_next(prompt_load_t *l, int wait, const uint8_t **data)
{
    engine_t *e = l->eng;
    int got;

    pthread_mutex_lock(&e->load_lock);
    for (;;) {
        if (l->rd_state == RD_IDLE && !request_locked(e, l)) {
            pthread_mutex_unlock(&e->load_lock);
            return 0;
        }
        if (l->rd_state == RD_PENDING) {
            if (!wait || __atomic_load_n(&e->stop_requested, __ATOMIC_ACQUIRE)) {
                pthread_mutex_unlock(&e->load_lock);
                return PROMPT_NOT_YET;
            }
            pthread_cond_wait(&e->load_done, &e->load_lock);
            continue;
        }
        l->rd_state = RD_IDLE;          /* RD_DONE: taken */
        if (!l->rd_stale)
            break;
        l->rd_stale = 0;                /* read for the place before a rewind: read from the new one */
    }
    got = l->rd_got;
    if (got > 0) {
        l->held = l->rd_buf;
        l->next_off += got;
        *data = l->buf[l->held];
        request_locked(e, l);           /* the block after, while this one plays */
    }
    pthread_mutex_unlock(&e->load_lock);
    return got < 0 ? -1 : got;
}

void prompt_stream_rewind(prompt_load_t *l)
{
    engine_t *e = l->eng;

    pthread_mutex_lock(&e->load_lock);
    l->next_off = l->start;
    if (l->rd_state == RD_PENDING)
        l->rd_stale = 1;
    else
        l->rd_state = RD_IDLE;          /* a block read ahead for the old place is dropped */
    pthread_mutex_unlock(&e->load_lock);
}

void prompt_load_drop(prompt_load_t *l)
{
    engine_t *e = l->eng;
    int last;

    pthread_mutex_lock(&e->load_lock);
    last = unref_locked(l);
    pthread_mutex_unlock(&e->load_lock);
    if (last)
        load_free(l);
}

void prompt_loaders_wake(engine_t *e)
{
    pthread_mutex_lock(&e->load_lock);
    pthread_cond_broadcast(&e->load_done);
    pthread_mutex_unlock(&e->load_lock);
}

void prompt_loaders_stop(engine_t *e)
{
    prompt_load_t *l, *next;
    int i;

    pthread_mutex_lock(&e->load_lock);
    e->load_quit = 1;
    pthread_cond_broadcast(&e->load_work);
    pthread_mutex_unlock(&e->load_lock);
    /* a loader inside an open() the disk never answers keeps the engine from closing, as the
     * writer inside a write() does: its memory is the engine's */
    for (i = 0; i < e->nloaders; i++)
        pthread_join(e->loaders[i], NULL);
    e->nloaders = 0;
    /* loads no loader took: their items (if any are left) let go of them in turn */
    for (l = e->load_head; l; l = next) {
        next = l->next;
        if (unref_locked(l))
            load_free(l);
    }
    e->load_head = e->load_tail = NULL;
    e->load_queued = 0;
}
