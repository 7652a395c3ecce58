/*
 * Telephonist media engine: private structures shared by the engine's C files.
 * Python never sees these; it sees engine.h.
 */
#ifndef TELEPHONIST_ENGINE_PRIVATE_H
#define TELEPHONIST_ENGINE_PRIVATE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES 0
#include <spandsp.h>

#include "engine.h"
#include "udptl.h"

#define MAX_FRAME 640          /* samples: up to 80 ms frames */
#define MAX_ZONES 16
#define MAX_ZONE_TONES 12
#define MAX_SPANS 256

typedef struct engine_s engine_t;
typedef struct chan_s chan_t;
typedef struct span_s span_t;

/* ---- drivers ---------------------------------------------------------- */

/* What a driver fills in; the engine and the signalling above never touch a
 * device otherwise (the shape of Asterisk's sig_analog callback table). */
typedef struct driver_ops_s {
    const char *name;
    /* Read one block of codec bytes into buf; returns n, 0 when nothing came. */
    int (*read)(span_t *s, chan_t *c, uint8_t *buf, int n);
    int (*write)(span_t *s, chan_t *c, const uint8_t *buf, int n);
    int (*hook)(span_t *s, chan_t *c, int state);
    int (*cas)(span_t *s, chan_t *c, int bits);
    int (*sigmsg)(span_t *s, chan_t *c, const char *msg);
    void (*tick_begin)(span_t *s);     /* before any channel of the span is read */
    void (*tick_end)(span_t *s);       /* after every channel of the span was written */
    void (*free)(span_t *s);
    /* Optional (NULL: not needed / not possible). A phone port passes audio while the
     * phone is on hook for ms (FSK message waiting to an idle phone); */
    int (*onhook_transfer)(span_t *s, chan_t *c, int ms);
    /* the card's own message-waiting indicator (neon lamp, high voltage, line reversal). */
    int (*vmwi)(span_t *s, chan_t *c, int how, int messages);
    /* the buffers read or write will touch for this channel, asked of the cache ahead (chan_prefetch_rx/tx) */
    void (*prefetch)(span_t *s, chan_t *c, int for_write);
    /* digits sent as messages rather than tones (RFC 4733 on a sip line); EV_DTMF_SENT is the driver's */
    int (*send_dtmf)(span_t *s, chan_t *c, int id, const char *digits, int on_ms, int off_ms);
    /* T.38 fax (a sip line whose call went to m=image): t38_on says the line carries IFP packets instead of
     * audio this tick (or did when its call's media stopped); t38_read takes what came (in NULL: dropped), t38_write sends. fax_begins: a fax job
     * starts on the line (the driver may ask the far end for T.38). */
    int (*t38_on)(span_t *s, chan_t *c);
    void (*t38_read)(span_t *s, chan_t *c, t38_batch_t *in);
    void (*t38_write)(span_t *s, chan_t *c, const t38_batch_t *out);
    void (*fax_begins)(span_t *s, chan_t *c, int send);
    /* the span's T.38 setting (ENG_SIP_T38_*) and whether a bridge's gateway also asks on CNG (t38_gw.c) */
    int (*t38_mode)(span_t *s, int *cng);
} driver_ops_t;

struct span_s {
    int index;
    engine_t *eng;
    const driver_ops_t *ops;
    int first_chan;
    int nchans;
    void *drv;                  /* driver state */
};

/* ---- tones ------------------------------------------------------------ */

#define MAX_TONE_SEGS 8

/* A tone is a cycle of segments; f1 == 0 is a silent segment, ms == 0 lasts for ever.
 * tol_ms: how far a heard segment may be from ms (a line's own tone, eng_line_tone); 0: the zone's rule. */
typedef struct {
    int f1, f2, ms, tol_ms;
} tone_seg_t;

typedef struct {
    char name[24];
    int level;                  /* dBm0 per frequency */
    int detect;                 /* recognised by call progress detection too */
    int nseg;
    tone_seg_t seg[MAX_TONE_SEGS];
} zone_tone_t;

typedef struct {
    int ntones;
    zone_tone_t tones[MAX_ZONE_TONES];
    super_tone_rx_descriptor_t *rx_desc;   /* built by eng_zone_commit */
    int rx_tone_index[MAX_ZONE_TONES + 16]; /* super_tone_rx code -> index into tones, -1: none */
    int committed;
} zone_t;

const zone_tone_t *zone_find_tone(const zone_t *z, const char *name);

/* ---- playback --------------------------------------------------------- */

enum { PLAY_FILE = 1, PLAY_TONE, PLAY_SILENCE, PLAY_ERROR };

/* A prompt held in memory, shared by every channel playing it (the prompt cache in prompt.c). */
typedef struct prompt_s {
    engine_t *eng;
    uint64_t dev, ino, size;
    int64_t mtime_ns;
    int codec;
    uint8_t *data;
    int64_t len;
    int refs;
    struct prompt_s *next;
} prompt_t;

#define PROMPT_READ_AHEAD 8192  /* bytes of a streamed prompt a loader reads at a time */
#define PROMPT_WAV 100          /* a prompt's codec is in its WAV header */
#define PROMPT_LOADERS 4        /* loader threads at most: a stalled open holds up one */

/* A prompt file a loader opens for a play item, and reads ahead for it if it is streamed (prompt.c). */
typedef struct prompt_load_s prompt_load_t;

typedef struct play_item_s {
    int kind;
    int id;
    int flags;
    prompt_load_t *load;        /* PLAY_FILE: its file (the loaders' until loaded, then the item's) */
    int loaded;                 /* PLAY_FILE: the load finished and the item took its file */
    int codec;                  /* PLAY_FILE: codec of the file's samples */
    int64_t samples_left;       /* TONE/SILENCE: -1 forever (64 bits: ms * 8 of any int fits) */
    int64_t samples_total;      /* TONE/SILENCE: the length, for LOOP to start again */
    const zone_tone_t *tone_def;  /* TONE: the cycle being played */
    int tone_seg;               /* TONE: current segment */
    int64_t seg_left;           /* TONE: samples left in the segment, -1 for ever */
    tone_gen_state_t *tone;
    const uint8_t *buf;         /* PLAY_FILE: the cached prompt's samples, or the streamed block playing */
    prompt_t *cached;
    int buf_len, buf_pos;
    char *error;                /* PLAY_ERROR: the message */
    struct play_item_s *next;
} play_item_t;

/* ---- recording --------------------------------------------------------- */

typedef struct recorder_s recorder_t;

/* ---- conferences ----------------------------------------------------------- */

typedef struct conf_s {
    int id;
    int nmembers;
    int cap;
    chan_t **members;
    int32_t *mix;               /* sum of the speakers of this tick */
    struct conf_s *next;
} conf_t;

/* ---- fax -------------------------------------------------------------------- */

/* A T.30 terminal (fax.c); it runs on the fax worker thread, never on the media thread. */
typedef struct fax_session_s fax_session_t;
/* What a channel holds while it faxes (fax_worker.c): frame rings to and from the worker. */
typedef struct fax_pipe_s fax_pipe_t;
typedef struct fax_worker_s fax_worker_t;

/* An event a terminal produced inside a frame; the media thread emits it in its tick. */
typedef struct {
    int64_t step;               /* the frame it belongs to, counted from the session's start */
    int type;                   /* EV_FAX_PAGE or EV_FAX_DONE */
    int a, b, c, d;
    char text[ENG_TEXT_MAX];
} fax_note_t;

/* ---- channels ---------------------------------------------------------------- */

struct chan_s {
    int id;
    int kind;
    int codec;
    int zone;
    span_t *span;
    int hook;                   /* what we asked of the line */
    int dsp;                    /* ENG_DSP_* */
    int rx_gain, tx_gain;       /* Q12 linear factors, 4096 = 0 dB */

    /* this tick's audio */
    int have_rx;
    uint8_t rx_raw[MAX_FRAME * 2];    /* codec bytes (2 a sample for linear) */
    int16_t rx_lin[MAX_FRAME];
    int rx_lin_valid;
    int16_t tx_lin[MAX_FRAME];
    int tx_lin_valid;
    uint8_t tx_raw[MAX_FRAME * 2];
    int tx_raw_valid;

    play_item_t *play_head, *play_tail;
    int play_cur_id;            /* the playback being heard, for EV_PLAY_DONE's ms played */
    int64_t play_cur_samples;

    struct dtmf_q24_s *dtmf_rx;     /* dtmf_q24.c: spandsp's detector, a second one and Q.24's checks */
    int64_t dtmf_began_ms;
    char dtmf_digit;
    dtmf_tx_state_t *dtmf_tx;
    int dtmf_tx_id;             /* 0: idle */

    super_tone_rx_state_t *progress;
    int progress_zone;
    int progress_tone;          /* index of the tone heard, -1 none */
    zone_tone_t *line_tone;     /* the line's own tone beside its zone's (eng_line_tone), NULL: none */
    super_tone_rx_descriptor_t *line_desc;  /* line_tone's alone */
    super_tone_rx_state_t *line_rx;         /* its detector, while call progress detection is on */
    int line_index[16];         /* line_desc's code -> 0 (line_tone), -1: a registration pattern */
    int line_tone_on;

    adsi_rx_state_t *cid_rx;
    int cid_rx_standard;
    adsi_tx_state_t *cid_tx;
    int cid_tx_id;

    modem_connect_tones_rx_state_t *cng_rx, *ced_rx;

    /* voice activity: energy with hangover */
    int vad_state;
    int64_t vad_since_ms;
    int vad_quiet_frames, vad_loud_frames;

    recorder_t *rec[ENG_MAX_RECORDINGS];     /* the recordings running, in the order they started */
    int nrec;
    int rec_slots;              /* claimed by eng_record (any thread), given back before each EV_REC_DONE */

    conf_t *conf;
    int conf_role;
    int whisper_to;
    int16_t conf_out[MAX_FRAME];
    int conf_out_valid;

    fax_pipe_t *fax;
    const int16_t *fax_next[2]; /* the ring slots fax_chan_rx writes [0] and fax_chan_tx reads [1] next tick,
                                   for chan_prefetch_rx/tx (on this cache line with fax, asked by chan_prefetch_head) */

    struct amd_s *amd;          /* amd.c: an answering-machine detection running */

    /* t38_gw.c: a bridge's T.38 gateway. On the sip line: the audio line whose gateway carries its IFP
     * packets (that line's tick reads them), pages reported, asked for T.38 this call, the gateway could not
     * start. On the audio line: the detectors of CED/V.21 preamble (and CNG) while its bridge may ask. */
    struct chan_s *gw_audio;
    int gw_pages, gw_asked, gw_refused;
    int gw_used, gw_rate, gw_ecm;   /* this call had a gateway, and its figures (with gw_pages): the media
                                     * thread writes them, eng_sip_rtp_stats reads them (relaxed atomics) */
    modem_connect_tones_rx_state_t *gw_tones, *gw_cng;
    int gw_heard;

    tone_gen_state_t *sig_tone; /* a register signal the line's signalling sends (R2's MF tones, r2.c), mixed
                                   into the channel's audio like a played tone; NULL: none */

    void *drv;                  /* driver's per-channel state */
    int active;                 /* has media work this tick */
};

/* ---- timers ------------------------------------------------------------------ */

typedef struct { int64_t due_ms; int id; } timer_t_;

/* ---- commands ----------------------------------------------------------------- */

enum {
    CMD_HOOK = 1, CMD_CAS, CMD_SIGMSG, CMD_DSP, CMD_ZONE, CMD_GAIN,
    CMD_PLAY, CMD_PLAY_STOP, CMD_DTMF, CMD_CID, CMD_RECORD, CMD_RECORD_STOP,
    CMD_CONF_JOIN, CMD_CONF_LEAVE, CMD_FAX, CMD_FAX_STOP, CMD_TIMER, CMD_TIMER_CANCEL,
    CMD_LOOPBACK, CMD_IMPAIR, CMD_CID_STANDARD, CMD_MWI, CMD_VMWI, CMD_AMD, CMD_AMD_STOP, CMD_LINE_TONE,
};

typedef struct cmd_s {
    int op;
    int chan;
    int id;
    int a, b, c, d;
    char *s1, *s2, *s3;
    void *ptr;                  /* a prepared object (play item, recorder) */
    struct cmd_s *next;
} cmd_t;

/* ---- the engine ------------------------------------------------------------------ */

struct engine_s {
    int frame;                  /* samples per frame */
    int frame_ms;
    int max_channels;
    int nchans;
    chan_t **chans;
    int nspans;
    span_t *spans[MAX_SPANS];
    zone_t zones[MAX_ZONES];
    conf_t *confs;

    int64_t tick;
    int64_t now_ms;

    /* commands from any thread */
    pthread_mutex_t cmd_lock;
    cmd_t *cmd_head, *cmd_tail;

    /* events to Python */
    pthread_mutex_t ev_lock;
    pthread_cond_t ev_cond;
    eng_event_t *ev_ring;
    int ev_cap, ev_head, ev_count;
    int ev_signalled;
    int64_t ev_dropped;
    int efd;
    int holds;
    int ticking;            /* lockstep: the media thread is inside a tick (eng_hold waits for its end) */

    /* clock */
    int clock_mode;
    double speed;
    pthread_t thread;
    int running;
    int stop_requested;

    timer_t_ *timers;
    int ntimers, timers_cap;

    /* statistics */
    pthread_mutex_t stats_lock;
    eng_stats_t stats;

    /* prompts in memory */
    pthread_mutex_t prompt_lock;
    prompt_t *prompts;
    int64_t prompt_bytes;

    /* prompt loaders (prompt.c), started as loads wait */
    pthread_mutex_t load_lock;
    pthread_cond_t load_work;   /* a load queued, or quit */
    pthread_cond_t load_done;   /* a load finished, or the media thread is asked to stop */
    prompt_load_t *load_head, *load_tail;
    int load_queued, load_idle, load_quit;
    int nloaders;
    pthread_t loaders[PROMPT_LOADERS];

    /* recordings' disk writes in real time: a writer thread, so the disk never stalls the audio */
    pthread_t writer;
    pthread_mutex_t wlock;
    pthread_cond_t wcond, wdone;
    struct rec_job_s *whead, *wtail;
    int wstop;

    /* scheduling of the engine's threads (eng_set_realtime) */
    int rt_prio;                /* SCHED_FIFO priority asked for the media thread; 0: normal */
    int base_nice;              /* the process's nice when the engine was made */

    /* fax terminals run on a worker thread (fax_worker.c), started with the first fax */
    pthread_mutex_t faxw_lock;
    fax_worker_t *faxw;
    int wait_workers;           /* this tick waits for the fax worker and the prompt loaders (every clock
                                   but real time) */
    int64_t fax_late_tick;      /* this tick: fax frames the worker did not deliver in time */
    int fax_lag_tick;           /* this tick: most frames a session's worker was behind */

    /* G.711 tables, built once */
    int16_t alaw_to_lin[256];
    int16_t ulaw_to_lin[256];
    uint8_t silence_byte[3];
};

/* engine.c */
int eng_thread_priority(engine_t *e, int rt_prio, int nice_delta);   /* the calling thread; 0 or errno */
void eng_mutex_init(pthread_mutex_t *m);                        /* priority inheritance */
void eng_emit(engine_t *e, int type, int chan, int id, int a, int b, int c, int d, const char *text);
/* The calling thread's last-error text (eng_last_error): cleared on entry to every public function,
 * set by a failure. eng_fail sets it and returns code. */
void eng_clear_error(engine_t *e);
void eng_set_error(engine_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int eng_fail(engine_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
cmd_t *eng_new_cmd(int op, int chan, int id);                   /* NULL: out of memory */
int eng_push_cmd(engine_t *e, cmd_t *c);                        /* for the media thread's next tick */
chan_t *eng_new_channel(engine_t *e, span_t *s, int kind, int codec, int zone);
span_t *eng_new_span(engine_t *e, const driver_ops_t *ops, void *drv);
chan_t *eng_chan(engine_t *e, int id);

/* codec.c */
void codec_tables_init(engine_t *e);
void codec_decode(const engine_t *e, int codec, const uint8_t *in, int16_t *out, int n);
void codec_encode(int codec, const int16_t *in, uint8_t *out, int n);
int codec_bytes_per_sample(int codec);

/* channel.c */
void chan_rx(engine_t *e, chan_t *c);
void chan_tx(engine_t *e, chan_t *c);
void chan_apply_cmd(engine_t *e, chan_t *c, cmd_t *cmd);
void chan_hangup_media(engine_t *e, chan_t *c, int reason);
const int16_t *chan_rx_lin(engine_t *e, chan_t *c);
int chan_is_active(const chan_t *c);
/* The signalling's own tone on the channel (chan_t.sig_tone): f1 = 0 stops it. Media thread. */
void chan_sig_tone(chan_t *c, int f1, int f2, int level_dbm0);
void chan_prefetch_head(const chan_t *c);
void chan_prefetch_rx(const chan_t *c);
void chan_prefetch_tx(const chan_t *c);
const int16_t *chan_tx_lin(engine_t *e, chan_t *c);
void chan_free(chan_t *c);

/* play.c */
play_item_t *play_new_file(engine_t *e, int id, const char *path, int flags);     /* any thread: no disk */
play_item_t *play_new_tone(engine_t *e, const zone_t *z, int id, const char *tone, int ms, int flags);
play_item_t *play_new_silence(int id, int ms, int flags);
void play_item_free(play_item_t *p);
void play_tick(engine_t *e, chan_t *c, int16_t *tx, int *have_tx);
int play_tick_raw(engine_t *e, chan_t *c, uint8_t *raw);
void play_prefetch(const chan_t *c);                            /* the samples play_tick will read, into the cache */
void play_stop(engine_t *e, chan_t *c, int id, int reason);
void play_on_dtmf(engine_t *e, chan_t *c);

/* prompt.c: loading prompt files off the caller's and media threads, and the prompt cache */
void prompt_loaders_init(engine_t *e);
prompt_load_t *prompt_load_start(engine_t *e, const char *path, int codec);   /* any thread; NULL: out of memory */
/* The media thread, when the item comes to be heard: 1 loaded (*codec; *cached the samples, or NULL:
 * streamed, see prompt_stream_next), 0 still loading (wait 0, or the engine stops), -1 failed and err
 * says why. wait: block until the load ends. */
int prompt_load_take(prompt_load_t *l, int wait, int *codec, prompt_t **cached, char *err, int errlen);
void prompt_load_drop(prompt_load_t *l);                            /* the item lets go (any time) */
/* A streamed prompt's next block (the channel is done with the one before): bytes, *data pointing at
 * them until the next call; 0 the samples have ended; PROMPT_NOT_YET not read yet (wait 0, or the
 * engine stops); -1 a read error. The block after is asked for at once. */
#define PROMPT_NOT_YET (-2)
int prompt_stream_next(prompt_load_t *l, int wait, const uint8_t **data);
void prompt_stream_rewind(prompt_load_t *l);                        /* LOOP: from the first sample again */
void prompt_loaders_wake(engine_t *e);                              /* after stop_requested is set */
void prompt_loaders_stop(engine_t *e);                              /* eng_free, media thread stopped */
void prompt_cache_free(engine_t *e);

/* files.c: regular files only, never blocking on what a name is; -1 and err says why */
int file_check_regular(const char *path, int may_be_absent, char *err, int errlen);
int file_open_regular(const char *path, int write, char *err, int errlen);   /* write: create, truncate */

/* wav.c */
typedef struct {
    int codec;
    int channels;
    int rate;
    int64_t data_offset;
    int64_t data_len;           /* -1: unknown (a cut recording): to end of file */
} wav_info_t;
int wav_probe(int fd, const char *path, wav_info_t *info, char *err, int errlen);
int wav_write_header(int fd, int codec, int channels, int64_t data_len);

/* record.c */
/* any thread: one of the channel's ENG_MAX_RECORDINGS slots (-1: all in use) */
int rec_claim_slot(chan_t *c);
/* any thread, with a slot claimed (the recorder holds it from here; NULL: out of memory, slot given
 * back): memory only, the file is opened when the recording starts */
recorder_t *rec_new(engine_t *e, chan_t *c, int id, const char *path, int mode, int codec, int max_ms,
                    int silence_ms, const char *stop_digits);
void rec_start(engine_t *e, chan_t *c, recorder_t *r);          /* the media thread: CMD_RECORD */
void rec_tick(engine_t *e, chan_t *c);                          /* every recorder of the channel */
void rec_prefetch(const chan_t *c);                             /* where rec_tick will write, into the cache */
void rec_on_dtmf(engine_t *e, chan_t *c, char digit);
void rec_stop(engine_t *e, chan_t *c, recorder_t *r, int reason, const char *msg);
void rec_stop_id(engine_t *e, chan_t *c, int id, int reason);   /* id 0: every recording of the channel */
void rec_free(recorder_t *r);
void rec_writer_start(engine_t *e);
void rec_writer_stop(engine_t *e);

/* conf.c */
int conf_join(engine_t *e, chan_t *c, int conf_id, int role, int whisper_to);
void conf_leave(engine_t *e, chan_t *c);
void conf_mix(engine_t *e);
void conf_free_all(engine_t *e);

/* dsp.c: detectors and generators on a channel */
int dsp_set(engine_t *e, chan_t *c, int features);
void dsp_rx(engine_t *e, chan_t *c, const int16_t *amp, int n);
int dsp_send_dtmf(engine_t *e, chan_t *c, int id, const char *digits, int on_ms, int off_ms);
void dsp_tx_dtmf(engine_t *e, chan_t *c, int16_t *tx, int *have_tx);
void dsp_free(chan_t *c);

/* callerid.c */
int cid_send(engine_t *e, chan_t *c, int id, int standard, int mdmf, const char *number,
             const char *name, const char *datetime);
int cid_send_mwi(engine_t *e, chan_t *c, int id, int standard, int mdmf, int messages);
int cid_rx_enable(engine_t *e, chan_t *c, int on);
int cid_set_standard(engine_t *e, chan_t *c, int standard);
void cid_rx(engine_t *e, chan_t *c, const int16_t *amp, int n);
void cid_tx(engine_t *e, chan_t *c, int16_t *tx, int *have_tx);
void cid_free(chan_t *c);
/* cid_parse.c: one received message's fields as EV_CID text; -1: a corrupt message */
int cid_parse_message(adsi_rx_state_t *rx, int standard, const uint8_t *msg, int len, char *text, size_t cap);
const char *cid_standard_name(int standard);

/* amd.c: answering-machine detection */
typedef struct amd_s amd_t;
int amd_params_check(const eng_amd_params_t *p, char *why, size_t cap);
void amd_start(engine_t *e, chan_t *c, int id, const eng_amd_params_t *p);
void amd_stop(engine_t *e, chan_t *c, int cause);
void amd_rx(engine_t *e, chan_t *c, const int16_t *amp, int n);
void amd_free(chan_t *c);

/* progress.c: call progress tones of a zone, built from its table */
int zone_commit(engine_t *e, int zone);
int progress_enable(engine_t *e, chan_t *c, int on);
void progress_rx(engine_t *e, chan_t *c, const int16_t *amp, int n);
void progress_free(chan_t *c);
void progress_set_line_tone(engine_t *e, chan_t *c, zone_tone_t *t);   /* takes t (NULL: none) */

/* fax.c: the T.30 terminal (settings made by the media thread; the document checked and the terminal
 * made by the fax worker) */
#define FAX_PATH_MAX 1024
#define FAX_NOTES_PER_STEP 4
fax_session_t *fax_session_new(int id, int send, const char *path, int calling, int ecm, const char *ident,
                               const char *header);
fax_session_t *fax_session_new_gateway(int id, int ecm);         /* a T.38 gateway (t38_gw.c) */
void fax_session_gateway_stats(const fax_session_t *f, int *pages, int *rate, int *ecm);
/* 1: T.30 ended. t38: the frame carries IFP packets (rxb in, txb out) instead of audio. */
int fax_session_step(fax_session_t *f, int t38, const int16_t *rx, int16_t *tx, int n, const t38_batch_t *rxb,
                     t38_batch_t *txb);
int fax_session_take_notes(fax_session_t *f, fax_note_t *out);   /* up to FAX_NOTES_PER_STEP */
void fax_session_release(fax_session_t *f);                      /* the worker frees the terminal */
void fax_session_free(fax_session_t *f);

/* fax_worker.c: fax sessions off the media thread */
int fax_worker_init(engine_t *e, char *err, int errlen);        /* once; any thread */
void fax_worker_reprioritise(engine_t *e);                      /* after eng_set_realtime */
void fax_worker_free(engine_t *e);                              /* after the media thread stopped */
int fax_chan_attach(engine_t *e, chan_t *c, int id, int send, const char *path, int calling, int ecm,
                    const char *ident, const char *header);     /* ENG_ENOMEM */
void fax_chan_rx(engine_t *e, chan_t *c, const int16_t *amp, int n);
void fax_chan_rx_t38(engine_t *e, chan_t *c);       /* the line carries T.38: its IFP packets, from the driver */
void fax_tick_rx_done(engine_t *e);
void fax_chan_tx(engine_t *e, chan_t *c, int16_t *tx, int n);
void fax_chan_stop(engine_t *e, chan_t *c, const char *why);
void fax_tick_end(engine_t *e);
void fax_chan_prefetch(const chan_t *c, int for_tx);
void fax_chan_free(chan_t *c);                                  /* engine teardown, worker stopped */

int fax_gateway_attach(engine_t *e, chan_t *audio, chan_t *line, int id, int ecm);   /* ENG_ENOMEM */
int fax_chan_is_gateway(const chan_t *c);
chan_t *fax_gateway_line(const chan_t *audio);
void fax_gateway_stats(const chan_t *audio, int *pages, int *rate, int *ecm);

/* t38_gw.c: a bridge's T.38 gateway (a sip line on T.38, a line on audio) */
void gw_tick(engine_t *e);                          /* after the drivers' tick_begin: engage, end, report */
void gw_detect(engine_t *e);                        /* after every line was read: CED/preamble (CNG) heard */
void gw_end(engine_t *e, chan_t *audio, const char *why);
void gw_leave(engine_t *e, chan_t *c);              /* c leaves its bridge (or hangs up) */
void gw_call_begins(chan_t *line);                  /* a sip line's new call: no gateway figures yet */

/* drv_sim.c */
extern const driver_ops_t sim_driver_ops;
int sim_set_loopback(engine_t *e, chan_t *c, int on);
int sim_set_impair(engine_t *e, chan_t *c, int noise_dbm0, int echo_db, int loss_db);
int sim_far_of(engine_t *e, chan_t *c);

/* drv_sip.c */
extern const driver_ops_t sip_driver_ops;

#endif
