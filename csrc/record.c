/*
 * Recording to WAV. Samples are buffered in memory and written once a
 * second together with a header rewrite, so that a process killed with -9
 * leaves a file that plays up to its last second (and wav_probe copes with a
 * header that was never rewritten). In real time every disk write goes to a
 * writer thread: the once-a-second writes (the media thread hands it the
 * full buffer and fills the other one) and the end of a recording (its last
 * buffer, the final header, the cut of a silence that ended it, close, and
 * only then EV_REC_DONE, so that an application may read the file as soon as
 * it hears of it). A slow or stalled disk thus never makes a frame late, for
 * this channel or any other. The file is not opened by eng_record's caller
 * either: in real time the writer opens it (the recorder buffers meanwhile,
 * as it does while a write is slow), else the media thread does as it starts
 * the recording, and only a regular file (or a new one) is taken (files.c), so
 * a FIFO or a device named as a recording ends it with an error instead of
 * blocking. On the simulated clocks every write happens
 * in the media thread, so that results never depend on the disk's speed. The
 * once-a-second flush is staggered across channels so that thousands of
 * recorders do not all write on the same tick. Ends on command, maximum
 * length, silence, a stop digit or hang-up.
 *
 * A channel runs up to ENG_MAX_RECORDINGS recorders side by side (chand's
 * recording of the whole call, an IVR's voicemail message, an agent's leg
 * on demand), each with its own file, mode, ends and EV_REC_DONE. A slot is
 * claimed by eng_record in its caller's thread (a fifth is refused there with
 * ENG_EBUSY) and given back just before the recording's EV_REC_DONE, so an
 * application that hears of one end may start another at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_private.h"

#define REC_FLUSH_FRAMES_MS 1000

struct recorder_s {
    int id;
    int *slots;                 /* the channel's count of claimed slots; NULL once given back */
    int fd;
    int mode;
    int codec;
    int channels;
    char *path;
    int max_ms;
    int silence_ms;
    char stop_digits[24];
    int64_t frames;
    int64_t data_bytes;         /* written to the file */
    int hdr_len;
    uint8_t *buf;
    int buf_len, buf_cap;
    uint8_t *spare;             /* the other buffer; with the writer while inflight */
    int inflight;               /* an open or a write of this recorder is queued or running */
    int werr;                   /* errno of the writer's last failure, 0 if none */
    char open_err[ENG_TEXT_MAX];    /* why the file could not be opened ("" if it was) */
    int flush_countdown;        /* frames until the next write */
    int silent_run_ms;
    /* how it ended (rec_stop), for whoever finishes the file */
    int chan;
    int end_reason;
    int64_t end_ms;
    int64_t cut_bytes;          /* the silence that ended it, taken off the end */
    char end_text[ENG_TEXT_MAX];
    struct rec_job_s *open;     /* the writer's jobs that open and finish it: never allocated late */
    struct rec_job_s *final;
};

enum { JOB_WRITE, JOB_OPEN, JOB_FINAL };

typedef struct rec_job_s {
    recorder_t *r;
    uint8_t *data;              /* JOB_WRITE: the buffer to write */
    int len;
    int kind;
    struct rec_job_s *next;
} rec_job_t;

static int frame_voice(const int16_t *amp, int n)
{
    int64_t sum = 0;
    int i;
    for (i = 0; i < n; i++)
        sum += (int32_t) amp[i] * amp[i];
    return sum / n > 16000;    /* about -42 dBm0 */
}

int rec_claim_slot(chan_t *c)
{
    int n = __atomic_load_n(&c->rec_slots, __ATOMIC_ACQUIRE);

    do {
        if (n >= ENG_MAX_RECORDINGS)
            return -1;
    } while (!__atomic_compare_exchange_n(&c->rec_slots, &n, n + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return 0;
}

/* The slot is free again: before EV_REC_DONE (or as a recorder that never started is freed). */
static void rec_release_slot(recorder_t *r)
{
    if (r->slots) {
        __atomic_sub_fetch(r->slots, 1, __ATOMIC_ACQ_REL);
        r->slots = NULL;
    }
}

recorder_t *rec_new(engine_t *e, chan_t *c, int id, const char *path, int mode, int codec, int max_ms,
                    int silence_ms, const char *stop_digits)
{
    recorder_t *r;
    int channels = mode == ENG_REC_STEREO ? 2 : 1;

    if ((r = calloc(1, sizeof(*r))) == NULL) {
        __atomic_sub_fetch(&c->rec_slots, 1, __ATOMIC_ACQ_REL);
        return NULL;
    }
    r->slots = &c->rec_slots;
    r->id = id;
    r->fd = -1;
    r->mode = mode;
    r->codec = codec;
    r->channels = channels;
    r->path = strdup(path);
    r->max_ms = max_ms;
    r->silence_ms = silence_ms;
    if (stop_digits)
        snprintf(r->stop_digits, sizeof(r->stop_digits), "%s", stop_digits);
    r->buf_cap = (REC_FLUSH_FRAMES_MS * 8 * 4 + MAX_FRAME) * codec_bytes_per_sample(codec) * channels;
    r->buf = malloc((size_t) r->buf_cap);
    r->spare = malloc((size_t) r->buf_cap);
    r->open = calloc(1, sizeof(*r->open));
    r->final = calloc(1, sizeof(*r->final));
    /* stagger the once-a-second writes across recorders */
    r->flush_countdown = 1 + (int) ((unsigned) id % (unsigned) (REC_FLUSH_FRAMES_MS / e->frame_ms));
    if (!r->path || !r->buf || !r->spare || !r->open || !r->final) {
        rec_free(r);
        return NULL;
    }
    return r;
}

/* The file and its header, on the writer (real time) or the media thread; -1 and open_err says why. */
static int rec_open_file(recorder_t *r)
{
    int fd = file_open_regular(r->path, 1, r->open_err, sizeof(r->open_err)), hl;

    if (fd < 0)
        return -1;
    hl = wav_write_header(fd, r->codec, r->channels, 0);
    /* the header goes in with pwrite(): the samples follow it, not overwrite it */
    if (hl >= 0 && lseek(fd, hl, SEEK_SET) != hl)
        hl = -1;
    if (hl < 0) {
        snprintf(r->open_err, sizeof(r->open_err), "%s: cannot write the WAV header: %s", r->path, strerror(errno));
        close(fd);
        unlink(r->path);
        return -1;
    }
    r->fd = fd;
    r->hdr_len = hl;
    return 0;
}

void rec_free(recorder_t *r)
{
    if (!r)
        return;
    rec_release_slot(r);
    if (r->fd >= 0)
        close(r->fd);
    free(r->path);
    free(r->buf);
    free(r->spare);
    free(r->open);
    free(r->final);
    free(r);
}

/* ---- the writer thread ------------------------------------------------------------- */

static void rec_finish(engine_t *e, recorder_t *r);

static int write_all(int fd, const uint8_t *data, int len, int *written)
{
    int off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, (size_t) (len - off));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            *written = off;
            return -errno;
        }
        off += (int) w;
    }
    *written = off;
    return 0;
}

static void *writer_main(void *arg)
{
    engine_t *e = arg;

    pthread_mutex_lock(&e->wlock);
    for (;;) {
        rec_job_t *j;
        while (!e->whead && !e->wstop)
            pthread_cond_wait(&e->wcond, &e->wlock);
        if (!e->whead)
            break;
        j = e->whead;
        e->whead = j->next;
        if (!e->whead)
            e->wtail = NULL;
        pthread_mutex_unlock(&e->wlock);
        if (j->kind == JOB_FINAL) {
            rec_finish(e, j->r);        /* frees the recorder and its jobs */
            pthread_mutex_lock(&e->wlock);
            continue;
        }
        if (j->kind == JOB_OPEN) {
            recorder_t *r = j->r;
            int rc = rec_open_file(r);
            pthread_mutex_lock(&e->wlock);
            if (rc < 0)
                __atomic_store_n(&r->werr, EIO, __ATOMIC_RELEASE);     /* after open_err: rec_tick reads it */
            __atomic_store_n(&r->inflight, 0, __ATOMIC_RELEASE);
            pthread_cond_broadcast(&e->wdone);
            continue;                   /* the job is the recorder's own */
        }
        {
            recorder_t *r = j->r;
            int written = 0, rc = r->fd < 0 ? -EBADF : write_all(r->fd, j->data, j->len, &written);
            r->data_bytes += written;
            if (rc == 0 && wav_write_header(r->fd, r->codec, r->channels, r->data_bytes) < 0)
                rc = -errno;
            pthread_mutex_lock(&e->wlock);
            r->spare = j->data;
            if (rc < 0 && !r->werr)
                __atomic_store_n(&r->werr, -rc, __ATOMIC_RELEASE);
            __atomic_store_n(&r->inflight, 0, __ATOMIC_RELEASE);
            pthread_cond_broadcast(&e->wdone);
        }
        free(j);
    }
    pthread_mutex_unlock(&e->wlock);
    return NULL;
}

void rec_writer_start(engine_t *e)
{
    pthread_mutex_init(&e->wlock, NULL);
    pthread_cond_init(&e->wcond, NULL);
    pthread_cond_init(&e->wdone, NULL);
    e->wstop = 0;
    if (pthread_create(&e->writer, NULL, writer_main, e) != 0)
        e->wstop = -1;          /* no thread: every write stays in the media thread */
}

void rec_writer_stop(engine_t *e)
{
    if (e->wstop == -1 || e->wstop == 2)
        return;
    pthread_mutex_lock(&e->wlock);
    e->wstop = 1;
    pthread_cond_broadcast(&e->wcond);
    pthread_mutex_unlock(&e->wlock);
    pthread_join(e->writer, NULL);
    e->wstop = 2;
}

/* Real time with a writer thread: the disk is the writer's, never the media thread's. */
static int writer_in_use(const engine_t *e)
{
    return e->running && e->clock_mode == ENG_CLOCK_REALTIME && e->wstop == 0;
}

static void writer_queue(engine_t *e, rec_job_t *j)
{
    j->next = NULL;
    if (e->wtail)
        e->wtail->next = j;
    else
        e->whead = j;
    e->wtail = j;
    pthread_cond_signal(&e->wcond);
}

/* Hand the filled buffer to the writer; 0 if it is still busy with the previous one. */
static int rec_hand_over(engine_t *e, recorder_t *r)
{
    rec_job_t *j;

    if (__atomic_load_n(&r->inflight, __ATOMIC_ACQUIRE))
        return 0;
    if ((j = malloc(sizeof(*j))) == NULL)
        return 0;
    pthread_mutex_lock(&e->wlock);
    j->r = r;
    j->data = r->buf;
    j->len = r->buf_len;
    j->kind = JOB_WRITE;
    r->buf = r->spare;
    r->spare = NULL;
    r->buf_len = 0;
    r->inflight = 1;
    writer_queue(e, j);
    pthread_mutex_unlock(&e->wlock);
    return 1;
}

/* Wait until the writer is done with this recorder (before the media thread writes itself). */
static void rec_wait_writer(engine_t *e, recorder_t *r)
{
    if (!__atomic_load_n(&r->inflight, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&e->wlock);
    while (r->inflight)
        pthread_cond_wait(&e->wdone, &e->wlock);
    pthread_mutex_unlock(&e->wlock);
}

/* Write what is buffered and the header that describes it. */
static int rec_flush(recorder_t *r)
{
    int off = 0;

    if (r->fd < 0)
        return -EBADF;          /* never opened (open_err says why) */
    while (off < r->buf_len) {
        ssize_t w = write(r->fd, r->buf + off, (size_t) (r->buf_len - off));
        if (w < 0) {
            int err = errno;
            if (err == EINTR)
                continue;
            /* keep only what did not reach the file, so a later flush does not write it twice */
            r->data_bytes += off;
            memmove(r->buf, r->buf + off, (size_t) (r->buf_len - off));
            r->buf_len -= off;
            return -err;
        }
        off += (int) w;
    }
    r->data_bytes += r->buf_len;
    r->buf_len = 0;
    if (wav_write_header(r->fd, r->codec, r->channels, r->data_bytes) < 0)
        return -errno;
    return 0;
}

static void append(recorder_t *r, const void *data, int bytes)
{
    if (r->buf_len + bytes > r->buf_cap)
        return;     /* the writer is four seconds behind: the disk has stalled; drop rather than block */
    memcpy(r->buf + r->buf_len, data, (size_t) bytes);
    r->buf_len += bytes;
}

/* The file could not be opened or written (errno err): the recording ends with why. */
static void rec_failed(engine_t *e, chan_t *c, recorder_t *r, int err)
{
    char msg[ENG_TEXT_MAX];

    if (r->open_err[0])
        snprintf(msg, sizeof(msg), "%s", r->open_err);
    else
        snprintf(msg, sizeof(msg), "%s: %s", r->path, strerror(err));
    rec_stop(e, c, r, ENG_END_ERROR, msg);
}

/* One recorder's frame: what it records of this tick, then its ends and its once-a-second write. */
static void rec_tick_one(engine_t *e, chan_t *c, recorder_t *r)
{
    int n = e->frame, i;
    int bps = codec_bytes_per_sample(r->codec);

    if (r->mode == ENG_REC_RX && r->codec == c->codec) {
        append(r, c->rx_raw, n * bps);
    } else if (r->mode == ENG_REC_TX && r->codec == c->codec) {
        append(r, c->tx_raw, n * bps);
    } else {
        int16_t mix[MAX_FRAME * 2];
        uint8_t enc[MAX_FRAME * 4];
        const int16_t *rx = chan_rx_lin(e, c);
        const int16_t *tx = chan_tx_lin(e, c);
        int ns = n;

        switch (r->mode) {
        case ENG_REC_RX:
            memcpy(mix, rx, sizeof(int16_t) * (size_t) n);
            break;
        case ENG_REC_TX:
            memcpy(mix, tx, sizeof(int16_t) * (size_t) n);
            break;
        case ENG_REC_MIX:
            for (i = 0; i < n; i++) {
                int32_t v = (int32_t) rx[i] + tx[i];
                mix[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
            }
            break;
        default:
            for (i = 0; i < n; i++) {
                mix[2 * i] = rx[i];
                mix[2 * i + 1] = tx[i];
            }
            ns = 2 * n;
            break;
        }
        codec_encode(r->codec, mix, enc, ns);
        append(r, enc, ns * bps);
    }
    r->frames++;

    if (r->silence_ms > 0) {
        if (frame_voice(chan_rx_lin(e, c), n))
            r->silent_run_ms = 0;
        else
            r->silent_run_ms += e->frame_ms;
        if (r->silent_run_ms >= r->silence_ms) {
            rec_stop(e, c, r, ENG_END_SILENCE, NULL);
            return;
        }
    }
    if (r->max_ms > 0 && r->frames * e->frame_ms >= r->max_ms) {
        rec_stop(e, c, r, ENG_END_MAXTIME, NULL);
        return;
    }
    if (__atomic_load_n(&r->werr, __ATOMIC_ACQUIRE)) {
        rec_failed(e, c, r, r->werr);
        return;
    }
    if (--r->flush_countdown <= 0) {
        int rc = 0;
        if (writer_in_use(e)) {
            if (!rec_hand_over(e, r)) {
                r->flush_countdown = 1;      /* the writer is behind: try again next frame */
                return;
            }
        } else {
            rec_wait_writer(e, r);
            rc = rec_flush(r);
        }
        r->flush_countdown = REC_FLUSH_FRAMES_MS / e->frame_ms;
        if (rc < 0)
            rec_failed(e, c, r, -rc);
    }
}

/* From the last to the first, so that one ending (and leaving its slot) never makes us skip another. */
void rec_prefetch(const chan_t *c)
{
    int i;

    for (i = 0; i < c->nrec; i++) {
        const recorder_t *r = c->rec[i];
        __builtin_prefetch(r, 1);
        __builtin_prefetch(r->buf + r->buf_len, 1);          /* where this tick's frame is appended */
        __builtin_prefetch(r->buf + r->buf_len + 64, 1);
        __builtin_prefetch(r->buf + r->buf_len + 128, 1);
    }
}

void rec_tick(engine_t *e, chan_t *c)
{
    int i;

    for (i = c->nrec - 1; i >= 0; i--)
        rec_tick_one(e, c, c->rec[i]);
}

/* A key ends each recording that has it among its stop digits. */
void rec_on_dtmf(engine_t *e, chan_t *c, char digit)
{
    int i;

    if (!digit)
        return;
    for (i = c->nrec - 1; i >= 0; i--)
        if (strchr(c->rec[i]->stop_digits, digit))
            rec_stop(e, c, c->rec[i], ENG_END_DTMF, NULL);
}

/* The recording id ends (0: every one on the channel); an id not recording is nothing to stop. */
void rec_stop_id(engine_t *e, chan_t *c, int id, int reason)
{
    int i;

    for (i = c->nrec - 1; i >= 0; i--)
        if (id == 0 || c->rec[i]->id == id)
            rec_stop(e, c, c->rec[i], reason, NULL);
}

/* The end of a recording: its last buffer, the cut of the silence that ended it, the final header,
 * close, then EV_REC_DONE and the recorder freed. On the writer thread in real time (it comes after
 * the recorder's once-a-second writes in the writer's queue), else on the media thread. */
static void rec_finish(engine_t *e, recorder_t *r)
{
    int reason = r->end_reason;
    int rc;
    char text[ENG_TEXT_MAX];

    if (r->fd < 0) {
        /* never opened: nothing was recorded */
        rec_release_slot(r);
        eng_emit(e, EV_REC_DONE, r->chan, r->id, ENG_END_ERROR, 0, 0, 0, r->open_err[0] ? r->open_err : r->end_text);
        rec_free(r);
        return;
    }
    rc = rec_flush(r);

    if (r->cut_bytes > 0) {
        /* keep the words, not the silence that ended them */
        r->data_bytes -= r->cut_bytes < r->data_bytes ? r->cut_bytes : r->data_bytes;
        if (ftruncate(r->fd, r->hdr_len + r->data_bytes) == 0)
            wav_write_header(r->fd, r->codec, r->channels, r->data_bytes);
    }
    if (close(r->fd) < 0 && rc == 0)
        rc = -errno;            /* a network file system reports a lost write here */
    r->fd = -1;
    if (rc < 0 && reason != ENG_END_ERROR) {
        reason = ENG_END_ERROR;
        snprintf(text, sizeof(text), "%s: %s", r->path, strerror(-rc));
    } else {
        snprintf(text, sizeof(text), "%s", r->end_text[0] ? r->end_text : r->path);
    }
    rec_release_slot(r);
    eng_emit(e, EV_REC_DONE, r->chan, r->id, reason, (int) (r->end_ms < INT32_MAX ? r->end_ms : INT32_MAX), 0, 0,
             text);
    rec_free(r);
}

void rec_start(engine_t *e, chan_t *c, recorder_t *r)
{
    /* the same id again: that recording ends (as it did when a channel had one) and this one starts */
    if (r->id)
        rec_stop_id(e, c, r->id, ENG_END_STOPPED);
    if (writer_in_use(e)) {
        /* the writer opens the file; the recorder buffers meanwhile (and its writes queue after) */
        rec_job_t *j = r->open;
        j->r = r;
        j->kind = JOB_OPEN;
        pthread_mutex_lock(&e->wlock);
        r->inflight = 1;
        writer_queue(e, j);
        pthread_mutex_unlock(&e->wlock);
    } else if (rec_open_file(r) < 0) {
        /* the failure reaches the application as the recording's end, on its channel */
        rec_release_slot(r);
        eng_emit(e, EV_REC_DONE, c->id, r->id, ENG_END_ERROR, 0, 0, 0, r->open_err);
        rec_free(r);
        return;
    }
    c->rec[c->nrec++] = r;      /* room: eng_record claimed the slot */
}

/* Take r off its channel's recorders, keeping the others in the order they started. */
static void rec_detach(chan_t *c, recorder_t *r)
{
    int i, j;

    for (i = j = 0; i < c->nrec; i++)
        if (c->rec[i] != r)
            c->rec[j++] = c->rec[i];
    c->nrec = j;
}

void rec_stop(engine_t *e, chan_t *c, recorder_t *r, int reason, const char *msg)
{
    rec_detach(c, r);
    r->chan = c->id;
    r->end_reason = reason;
    snprintf(r->end_text, sizeof(r->end_text), "%s", msg ? msg : "");
    if (reason == ENG_END_SILENCE && r->silent_run_ms > 0) {
        r->cut_bytes = (int64_t) r->silent_run_ms * 8 * codec_bytes_per_sample(r->codec) * r->channels;
        r->frames -= r->silent_run_ms / e->frame_ms;
    }
    r->end_ms = r->frames * e->frame_ms;
    if (writer_in_use(e)) {
        rec_job_t *j = r->final;
        j->r = r;
        j->data = NULL;
        j->len = 0;
        j->kind = JOB_FINAL;
        pthread_mutex_lock(&e->wlock);
        writer_queue(e, j);
        pthread_mutex_unlock(&e->wlock);
        return;
    }
    rec_wait_writer(e, r);
    rec_finish(e, r);
}
