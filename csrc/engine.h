/*
 * Telephonist media engine: the public interface seen by Python (through cffi).
 *
 * One engine owns every channel's audio. A media thread ticks every frame
 * (20 ms by default): it reads a block from each channel's driver, runs the
 * DSP the channel has enabled, mixes bridges and conferences, plays, records
 * and writes a block back. Python never runs per frame: it queues commands
 * (every eng_* call below is thread-safe and returns at once) and reads
 * events when the event descriptor becomes readable.
 */
#ifndef TELEPHONIST_ENGINE_H
#define TELEPHONIST_ENGINE_H

#include <stdint.h>

typedef struct engine_s engine_t;

/* Return codes: 0 or a positive id is success, negative is one of these. */
enum {
    ENG_OK = 0,
    ENG_EINVAL = -1,      /* bad argument */
    ENG_ENOCHAN = -2,     /* no such channel */
    ENG_ENOENT = -3,      /* file not found */
    ENG_EFORMAT = -4,     /* file in a format we cannot play (not 8 kHz mono, ...) */
    ENG_EIO = -5,         /* read/write error, disk full */
    ENG_ENOMEM = -6,
    ENG_EBUSY = -7,       /* resource in use (channel already in a fax session ...) */
    ENG_ESTATE = -8,      /* not possible in the engine's state */
    ENG_ESYS = -9,        /* system call failed: see eng_last_error() */
};

/* Limits of the numbers the engine takes from outside: a value beyond them is refused with
 * ENG_EINVAL and an eng_last_error() text naming it (checked in C, whatever the caller checked). */
enum {
    ENG_MAX_MEDIA_MS = 86400000,  /* a tone, a silence, a tone segment, a recording's max_ms or silence_ms: 24 h */
    ENG_MAX_DTMF_MS = 10000,      /* a sent digit's tone or pause */
    ENG_MAX_MESSAGES = 65535,     /* a message-waiting count (FSK carries up to 255) */
    ENG_MAX_CHANNELS = 1048576,   /* eng_new's max_channels */
    ENG_MAX_SPEED = 1000000,      /* eng_set_clock's speed */
    ENG_MAX_BENCH_CHANNELS = 100000,  /* channels or pairs of one micro-benchmark */
};

/* Codecs for channels and files. */
enum { ENG_CODEC_ALAW = 0, ENG_CODEC_ULAW = 1, ENG_CODEC_LINEAR = 2 };

/* Channel kinds, as a driver presents them. */
enum {
    ENG_KIND_FXO = 1,     /* a port facing the exchange (a trunk line) */
    ENG_KIND_FXS = 2,     /* a port facing a phone */
    ENG_KIND_E1 = 3,      /* a bearer channel of an E1 span */
    ENG_KIND_FAR = 4,     /* the simulated far end of a sim channel */
};

/* Hook and line states a driver is asked for. */
enum {
    ENG_HOOK_ON = 0, ENG_HOOK_OFF = 1, ENG_HOOK_RING_ON = 2, ENG_HOOK_RING_OFF = 3,
    ENG_HOOK_FLASH = 4, ENG_HOOK_POLARITY = 5, ENG_HOOK_OPEN_LOOP = 6,
};

/* A card's own message-waiting indicator on a phone port (DAHDI's VMWI types). */
enum {
    ENG_VMWI_LREV = 1,    /* line reversal */
    ENG_VMWI_HVDC = 2,    /* high voltage DC */
    ENG_VMWI_HVAC = 4,    /* high voltage AC: the neon lamp */
};

/* DSP features per channel (bit mask). */
enum {
    ENG_DSP_DTMF = 1 << 0,       /* DTMF detection */
    ENG_DSP_PROGRESS = 1 << 1,   /* call progress tones of the channel's zone */
    ENG_DSP_CID = 1 << 2,        /* caller ID (FSK or DTMF) reception */
    ENG_DSP_VAD = 1 << 3,        /* voice versus silence */
    ENG_DSP_FAXTONE = 1 << 4,    /* CNG / CED detection */
};

/* Caller ID standards (spandsp ADSI standards). */
enum {
    ENG_CID_BELL202 = 1,   /* ADSI_STANDARD_CLASS */
    ENG_CID_V23 = 2,       /* ADSI_STANDARD_CLIP (ETSI, V.23) */
    ENG_CID_DTMF = 5,      /* ADSI_STANDARD_CLIP_DTMF */
};

/* Playback flags. */
enum {
    ENG_PLAY_BARGE = 1,      /* a DTMF digit stops this item and the rest of its playback */
    ENG_PLAY_LAST = 2,       /* last item of the playback: PLAY_DONE follows it */
    ENG_PLAY_LOOP = 4,       /* repeat until stopped */
};

/* Recording modes and flags. */
enum {
    ENG_REC_RX = 0,          /* what the channel hears from its line */
    ENG_REC_TX = 1,          /* what we send to the line */
    ENG_REC_MIX = 2,         /* both, mixed into one channel */
    ENG_REC_STEREO = 3,      /* line on the left, our side on the right */
};
/* Recordings one channel runs side by side (a whole-call recording beside an application's);
 * eng_record refuses one more with ENG_EBUSY. */
enum { ENG_MAX_RECORDINGS = 4 };

/* Conference roles. */
enum { ENG_CONF_SPEAK = 0, ENG_CONF_LISTEN = 1, ENG_CONF_WHISPER = 2 };

/* Why a playback or recording ended. */
enum {
    ENG_END_DONE = 0, ENG_END_STOPPED = 1, ENG_END_DTMF = 2, ENG_END_HANGUP = 3,
    ENG_END_ERROR = 4, ENG_END_MAXTIME = 5, ENG_END_SILENCE = 6,
};

/* Answering-machine detection (amd.c): the result and why. */
enum { ENG_AMD_HUMAN = 1, ENG_AMD_MACHINE = 2, ENG_AMD_NOTSURE = 3, ENG_AMD_STOPPED = 4 };
enum {
    ENG_AMD_CAUSE_NONE = 0, ENG_AMD_CAUSE_INITIAL_SILENCE = 1, ENG_AMD_CAUSE_LONG_GREETING = 2,
    ENG_AMD_CAUSE_MAX_WORDS = 3, ENG_AMD_CAUSE_MAX_WORD_LENGTH = 4, ENG_AMD_CAUSE_AFTER_GREETING = 5,
    ENG_AMD_CAUSE_TOO_LONG = 6, ENG_AMD_CAUSE_STOPPED = 7, ENG_AMD_CAUSE_HANGUP = 8,
};
typedef struct {
    int initial_silence_ms;     /* no voice this long: MACHINE */
    int greeting_ms;            /* a greeting longer than this: MACHINE */
    int after_greeting_ms;      /* this much silence after a word: HUMAN */
    int total_ms;               /* no decision by then: NOTSURE */
    int min_word_ms;            /* a voiced run this long is a word */
    int between_words_ms;       /* a silence this long ends a word */
    int max_words;              /* more words than this: MACHINE */
    int max_word_ms;            /* one word longer than this: MACHINE */
    int threshold_dbm0;         /* frames above this level are voiced */
} eng_amd_params_t;

/* Clock modes. */
enum {
    ENG_CLOCK_REALTIME = 0,   /* a frame every frame period of wall time */
    ENG_CLOCK_FAST = 1,       /* as fast as the CPU allows (or speed x real time) */
    ENG_CLOCK_LOCKSTEP = 2,   /* fast, but held while Python handles the events it read */
};

/* Event types. */
enum {
    EV_NONE = 0,
    EV_HOOK = 1,          /* a=ENG_HOOK_ON/OFF seen on the line (far end or phone) */
    EV_RING = 2,          /* a=1 ring begins, a=0 ring ends */
    EV_DTMF = 3,          /* text=digit, a=duration ms, b=level dBm0 */
    EV_DTMF_BEGIN = 4,    /* text=digit */
    EV_TONE = 5,          /* text=tone name (busy, ringback, congestion, sit, dial), a=1 on, 0 off */
    EV_VAD = 6,           /* a=1 voice starts, 0 voice ended; b=length of the voice run ms */
    EV_CID = 7,           /* text=fields "number=..;name=..;datetime=.." , a=standard */
    EV_PLAY_DONE = 8,     /* id, a=reason, b=ms played, text=error */
    EV_REC_DONE = 9,      /* id, a=reason, b=ms recorded, text=path or error */
    EV_DTMF_SENT = 10,    /* id */
    EV_CID_SENT = 11,     /* id */
    EV_FAX_PAGE = 12,     /* id, a=page number, b=bit rate */
    EV_FAX_DONE = 13,     /* id, a=t30 result code, b=pages, c=bit rate, d=ecm, text=result;remote ident */
    EV_FAXTONE = 14,      /* text=CNG or CED */
    EV_TIMER = 15,        /* id */
    EV_CAS = 16,          /* a=ABCD bits received */
    EV_ALARM = 17,        /* chan = -span, a=alarm bits, text=names */
    EV_SIGMSG = 18,       /* text=a signalling message (sim digital trunks, PRI B-channels: pri.c, MFC-R2: r2.c) */
    EV_POLARITY = 19,     /* line polarity reversed */
    EV_ERROR = 20,        /* id, text=message */
    EV_OVERRUN = 21,      /* a=events dropped because nobody read them */
    EV_STOPPED = 22,      /* the media thread ended */
    EV_AMD = 23,          /* id, a=ENG_AMD_* result, b=ENG_AMD_CAUSE_*, c=words, d=ms analysed, text=result;cause */
};

#define ENG_TEXT_MAX 240

typedef struct {
    int32_t type;
    int32_t chan;
    int64_t time_ms;      /* engine clock */
    int32_t id;
    int32_t a, b, c, d;
    char text[ENG_TEXT_MAX];
} eng_event_t;

typedef struct {
    int64_t ticks;
    int64_t time_ms;
    int64_t late_ticks;       /* realtime: ticks whose work ran past the frame period */
    int64_t work_ns_total;    /* time spent working (not sleeping) */
    int64_t work_ns_max;
    int64_t events_dropped;
    int32_t channels;
    int32_t active_channels;
    int64_t fax_frames_late;  /* realtime: fax frames the fax worker did not answer within their budget */
    int32_t fax_lag_max;      /* most frames a fax session's worker was behind the line */
    int64_t wake_ns_max;      /* realtime: most a tick started after it was due */
    int64_t deadline_misses;  /* realtime: ticks that ended more than a frame period after they were due */
} eng_stats_t;

/* Engine life */
engine_t *eng_new(int frame_samples, int max_channels);
void eng_free(engine_t *e);
/* Why the calling thread's last eng_* call on e failed ("" if it set no text); each call clears it. */
const char *eng_last_error(engine_t *e);
int eng_start(engine_t *e);
int eng_stop(engine_t *e);
int eng_set_clock(engine_t *e, int mode, double speed);
/* Real-time scheduling for a real-time clock: the media thread at SCHED_FIFO `priority` (1-99), the fax
 * worker one below it (or normal if that is 0); 0 goes back to normal scheduling, the fax worker
 * at nice +5. Needs root, CAP_SYS_NICE or `ulimit -r` of at least priority (ENG_ESYS otherwise).
 * Applied by each thread at its next turn; if the system still refuses, an EV_ERROR says so. The media
 * thread keeps normal scheduling while the clock is fast (it never sleeps there). */
int eng_set_realtime(engine_t *e, int priority);
int eng_event_fd(engine_t *e);
int eng_read_events(engine_t *e, eng_event_t *out, int max);
void eng_release(engine_t *e);
/* Lockstep: stop the clock (after the tick in progress, if any) until the matching eng_release,
 * so that whatever the caller does meanwhile happens at one engine time. No effect on other clocks. */
void eng_hold(engine_t *e);
int eng_run_ticks(engine_t *e, int n);          /* only when the media thread is not started */
int64_t eng_now_ms(engine_t *e);
void eng_get_stats(engine_t *e, eng_stats_t *st);
void eng_reset_stats(engine_t *e);

/* Tone zones: tones are defined from data (Python reads telephonist/data/tonezones.toml). */
/* segs: nseg triples (f1, f2, ms); f1 0 = silence; ms 0 = for ever. detect: recognise it too. */
int eng_zone_tone(engine_t *e, int zone, const char *name, int level_dbm0, const int *segs, int nseg, int detect);
int eng_zone_commit(engine_t *e, int zone);
/* A line's own tone, recognised beside its zone's by call progress (ENG_DSP_PROGRESS) and reported as
 * EV_TONE with this name: a disconnect tone learnt on a line behind a PBX the zones do not know.
 * segs: nseg quadruples (f1, f2, ms, tolerance ms); f1 0 = silence; one segment of ms 0 = continuous.
 * nseg 0 removes it. */
int eng_line_tone(engine_t *e, int chan, const char *name, const int *segs, int nseg);

/* Spans and channels */
int eng_sim_span(engine_t *e, int kind, int nchans, int codec, int zone);   /* returns first near channel id */
int eng_sim_far(engine_t *e, int chan);        /* the far-end channel id of a sim channel */
int eng_sim_loopback(engine_t *e, int chan, int on);  /* line echoes our own audio (benchmarks) */
int eng_sim_impair(engine_t *e, int chan, int noise_dbm0, int echo_db, int loss_db);
int eng_chan_info(engine_t *e, int chan, int *kind, int *span, int *codec);
/* The sound card as one FXS-like channel (drv_local.c); device: a PortAudio device name or "default". */
int eng_local_span(engine_t *e, const char *device, int zone);
int eng_local_hook(engine_t *e, int chan, int offhook);
int eng_local_dtmf(engine_t *e, int chan, const char *digits);
/* DAHDI channels (drv_dahdi.c): channos are DAHDI channel numbers, configured by dahdi_cfg.
 * blocksize in samples, 0 = the engine frame (else a divisor of it). Returns the first engine
 * channel id; each channel's kind follows its DAHDI signalling: fxs* -> ENG_KIND_FXO (a trunk),
 * fxo* -> ENG_KIND_FXS (a phone), E&M/CAS/other -> ENG_KIND_E1. EV_ALARM: chan = -DAHDI span number.
 * The functions below act at once from the caller's thread (ioctls on the channel). */
typedef struct {
    int32_t channo, spanno, sigtype;     /* sigtype: DAHDI_SIG_* */
    char signalling[16];                 /* sigtype as system.conf spells it: "fxsks", "e&m", "cas" ... */
    int64_t rx_underruns;                /* ticks the card had no audio ready (the engine heard silence) */
    int64_t rx_dropped_bytes;            /* audio thrown away because the engine fell behind */
    int64_t tx_dropped_bytes;            /* audio the kernel had no room for */
    int64_t events;
} eng_dahdi_chan_t;
typedef struct {
    int32_t spanno, alarms;              /* alarms: DAHDI_ALARM_* bits, 0 = none */
    char alarm_text[64];                 /* "OK" or "RED,YELLOW,..." */
    char name[24], desc[48];
    int32_t numchans, totalchans, syncsrc, irqmisses;
    int32_t bpvcount, crc4count, ebitcount, fascount;
    uint32_t fecount, cvcount, becount, errsec;
    char spantype[8];                    /* "E1", "T1", "FXS", "FXO", "DYNAMIC" ... as the driver says */
    char lineconfig[48];                 /* framing and coding: "ccs,hdb3,crc4"; "" for analog spans */
    char lboname[40], location[40], manufacturer[40], devicetype[40];
    int32_t lbo, irq, totalspans;
} eng_span_status_t;
/* One DAHDI channel as the kernel describes it (DAHDI_GET_PARAMS through /dev/dahdi/ctl: the
 * channel need not be free). */
typedef struct {
    int32_t channo, spanno, chanpos, sigtype, sigcap;
    int32_t rxisoffhook, rxbits, txbits, alaw;
    uint32_t chan_alarms;
    char name[40];                       /* "LOC/1/0/3", "WCTDM/0/2" ... */
    char signalling[16];                 /* configured signalling as system.conf spells it; "" = none */
    char caps[192];                      /* signalling the port can take, comma-separated */
} eng_dahdi_params_t;
int eng_dahdi_span(engine_t *e, const int *channos, int nchans, int codec, int zone, int blocksize);
int eng_dahdi_chan_info(engine_t *e, int chan, eng_dahdi_chan_t *out);
int eng_dahdi_span_status(engine_t *e, int spanno, eng_span_status_t *st);
int eng_dahdi_params(engine_t *e, int channo, eng_dahdi_params_t *out);   /* ENG_ENOENT: no such channel */
/* taps 0: echo canceller off; params "name=value,..." for the canceller module (e.g. "nlp=1") */
int eng_dahdi_echocan(engine_t *e, int chan, int taps, const char *params);
/* gains in tenths of a dB, applied by the kernel (DAHDI_SETGAINS) */
int eng_dahdi_gains(engine_t *e, int chan, int rx_db10, int tx_db10);
/* ISDN PRI (pri.c, libpri) on a dahdi span opened with eng_dahdi_span on an E1's B-channels (bchan= in
 * system.conf): dchan is the DAHDI channel of its D-channel (dchan= or hardhdlc=, timeslot 16), side
 * "network" or "user", switchtype "euroisdn", "qsig", "ni2", "dms100", "lucent5e" or "att4ess". chan: any
 * engine channel of that span; before eng_start. options: "" or "overlap=0|1 channel=exclusive|preferred"
 * (overlap dialling offered and allowed; how our SETUPs name their B-channel: pri.c). The B-channels then carry
 * calls by eng_sigmsg and EV_SIGMSG as the sim E1 does (pri.c lists the messages); while the D-channel is down
 * the span's EV_ALARM carries ENG_ALARM_DCHAN ("DCHAN"). ENG_ESTATE if the engine was built without libpri. */
enum { ENG_ALARM_DCHAN = 1 << 20 };
int eng_dahdi_pri(engine_t *e, int chan, int dchan, const char *side, const char *switchtype, const char *options);
/* ISDN PRI on a sim E1 span (drv_sim.c), given by any of its channels, before eng_start: libpri on both ends of
 * its lines, the near channels' side as said, the far channels' the other side (with overlap allowed), over a
 * D-channel of their own (a socketpair). Line i (1-based) is timeslot i, i+1 from line 16 on (timeslot 16 is the
 * D-channel's): at most 30 lines. The span's EV_ALARM (chan = the returned number, negative) tells the D-channel as
 * a dahdi PRI span's does. options as for eng_dahdi_pri, for the near side, plus the far end's own:
 * "far_channel=exclusive|preferred" (its SETUPs), "far_unused=N" (it does not serve timeslot N). */
int eng_sim_pri(engine_t *e, int chan, const char *side, const char *switchtype, const char *options);
/* MFC-R2 (r2.c, openr2) on a dahdi span opened with eng_dahdi_span on E1 CAS channels (cas= in
 * system.conf), A-law, given by any engine channel of that span; before eng_start. variant "china"
 * (China No.1), "itu", or openr2's other names; max_ani / max_dnis: the caller's digits asked for;
 * category: our calls' calling party category by default ("subscriber", "priority", "test", ...);
 * timers: openr2's protocol timers in milliseconds, "r2_answer=30000,mf_back_cycle=2500" by openr2's names
 * (r2.c lists them and their bounds), NULL or "" for openr2's defaults.
 * The channels then carry calls by eng_sigmsg and EV_SIGMSG as the sim E1 does (r2.c lists the messages),
 * BLOCKED / IDLE when the far end blocks or frees a line. ENG_ESTATE if built without openr2. */
int eng_dahdi_r2(engine_t *e, int chan, const char *variant, int max_ani, int max_dnis, const char *category,
                 const char *timers);

/* SIP trunks (drv_sip.c, sofia-sip's user agent; RTP in rtp.c). Lines are ENG_KIND_E1 channels driven by
 * the messages of the sim E1 (SETUP calling= called=, ALERTING, CONNECT, DISCONNECT cause=, RELEASE) through
 * eng_sigmsg and EV_SIGMSG. Texts are "host:port" or plain values; "" leaves a setting out. Line i's RTP is
 * on rtp_port + 2i (RTCP + 1). Returns the first channel id. */
typedef struct {
    char bind[64];               /* where SIP listens: "127.0.0.1:5060" */
    char peer[64];               /* the trunk's far end for outbound calls: "host:port" ("": inbound only) */
    char rtp_host[64];           /* the IPv4 address RTP binds to and the SDP gives */
    int32_t rtp_port;            /* the first line's RTP port (even) */
    char from_user[64];          /* From user of outbound calls without a caller number */
    char username[64];           /* digest credentials for the peer and the registrar */
    char password[64];
    char registrar[64];          /* "host:port" to register with ("": none) */
    int32_t jitter_min_ms;       /* the jitter buffer's delay bounds; 0, 0: 20 and 200 */
    int32_t jitter_max_ms;
    /* A span of phones (SIP phones register as extensions): line i is the phone of the i-th line of phones,
     * "user password" (the password is the rest of the line); phones REGISTER and INVITE with digest
     * authentication in realm, and a SETUP on line i calls the contact its phone registered. NULL: a trunk. */
    const char *phones;          /* "201 pass-one\n202 pass-two\n" (copied) */
    char realm[64];              /* "": "telephonist" */
    int32_t ban_failures;        /* this many failed authentications from one address within ban_window_s ... */
    int32_t ban_window_s;
    int32_t ban_s;               /* ... refuse it for ban_s (0: 5 failures in 60 s, 600 s) */
    int32_t register_retry_s;    /* a failed REGISTER to registrar is tried again after this, doubling up to
                                  * 300 s (0: 30 s) */
    /* Session timers (RFC 4028, sofia-sip's): the interval asked for and accepted, the shortest one accepted
     * (a shorter Session-Expires gets 422 with our Min-SE) and who refreshes. A call whose refresh fails, or
     * that the far end stops refreshing, is cleared (DISCONNECT cause=102). */
    int32_t session_expires_s;   /* 0: no session timers */
    int32_t min_se_s;            /* 0: 90 */
    int32_t refresher;           /* ENG_SIP_REFRESHER_*: who we prefer to refresh */
    /* TLS (sofia-sip's transport): SIP over TLS is also taken on tls_bind ("host:port", "": none), with the
     * certificate of tls_cert_dir (agent.pem: key and certificate; cafile.pem: the CAs it trusts). A span of
     * phones with tls_only refuses (403) a REGISTER or INVITE that did not come over TLS. */
    char tls_bind[64];
    char tls_cert_dir[200];
    int32_t tls_only;
    /* SRTP keyed by SDES (RFC 4568): ENG_SIP_SRTP_OFF takes and offers plain RTP only (an RTP/SAVP offer gets
     * 488); OPTIONAL offers a=crypto in RTP/AVP and takes SRTP when offered, else plain RTP; MANDATORY offers
     * RTP/SAVP and refuses (488) an offer without a crypto suite we take. The keys travel in the SDP, so SRTP
     * is offered and taken only on calls whose signalling is TLS, unless srtp_without_tls. */
    int32_t srtp;
    int32_t srtp_without_tls;
    int32_t dtmf;                /* ENG_SIP_DTMF_*: how send_dtmf sends digits (and whether telephone-event is
                                  * offered); digits by SIP INFO are taken whatever it says */
    /* A trunk's peer and registrar are reached over transport (ENG_SIP_TRANSPORT_*; TLS needs tls_bind and
     * tls_cert_dir). With tls_verify, every TLS connection we open (to the peer, the registrar, a phone's TLS
     * contact) must show a certificate that cafile.pem's CAs signed, naming the host we connect to. */
    int32_t transport;
    int32_t tls_verify;
    /* T.38 fax (ENG_SIP_T38_*): OFF refuses (488) a re-INVITE to m=image; ACCEPT takes it (the line's fax
     * terminal goes on as a T.38 terminal over UDPTL); ON also asks for it, re-INVITEing when a fax receive
     * starts on the line (the receiving side asks, as Asterisk's ReceiveFax does; the sender waits). A line
     * bridged with a line carrying audio (a card's) becomes a T.38 gateway between them while its call is on
     * T.38; with ON the bridge asks for T.38 when the audio line brings CED or the V.21 preamble, and CNG too
     * with t38_gateway_cng. */
    int32_t t38;
    int32_t t38_gateway_cng;
    /* NAT and trust. symmetric_rtp: RTP goes where the far end's comes from, latched after a few valid packets
     * from one address (then other sources are dropped). nat_keepalive_s (a span of phones; 0: none): a phone
     * whose REGISTER came from another address than its Contact (behind NAT) is called at that address
     * (received/rport) and sent OPTIONS this often; one that does not answer before the next is unregistered
     * (UNREGISTERED why=no_answer). outbound_proxy: a SIP URI every request we start is sent through ("": none).
     * trusted (a trunk): "a.b.c.d/n" lines; an INVITE from any other source address is refused (403, REFUSED
     * why=untrusted); NULL or "": any source. */
    int32_t symmetric_rtp;
    int32_t nat_keepalive_s;
    char outbound_proxy[128];
    const char *trusted;         /* "198.51.100.0/24\n203.0.113.7/32\n" (parsed and copied) */
} eng_sip_params_t;
enum { ENG_SIP_REFRESHER_ANY = 0, ENG_SIP_REFRESHER_LOCAL = 1, ENG_SIP_REFRESHER_REMOTE = 2 };
enum { ENG_SIP_SRTP_OFF = 0, ENG_SIP_SRTP_OPTIONAL = 1, ENG_SIP_SRTP_MANDATORY = 2 };
enum { ENG_SIP_DTMF_RFC2833 = 0, ENG_SIP_DTMF_INFO = 1, ENG_SIP_DTMF_INBAND = 2 };
enum { ENG_SIP_TRANSPORT_UDP = 0, ENG_SIP_TRANSPORT_TCP = 1, ENG_SIP_TRANSPORT_TLS = 2 };
enum { ENG_SIP_T38_OFF = 0, ENG_SIP_T38_ACCEPT = 1, ENG_SIP_T38_ON = 2 };
/* What RTP and RTCP say of a sip line's call (the current or last one). */
typedef struct {
    int32_t local_port, remote_port;
    char remote_addr[48];
    int32_t payload_type;
    int64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
    int64_t rx_lost;             /* expected less received (RFC 3550), as of our last report */
    int64_t rx_late;             /* came after their time to be heard */
    int64_t rx_dtmf, tx_dtmf;    /* RFC 4733 digits */
    int32_t jitter_ms;           /* interarrival jitter of what we receive */
    int32_t buffer_ms, buffer_max_ms;   /* the jitter buffer's delay now, and its most in this call */
    int32_t remote_jitter_ms;    /* what the far end reports of our stream; -1: no report yet */
    int32_t remote_loss_pct;
    int64_t remote_lost;
    int32_t rtt_ms;              /* round trip from RTCP; -1: not measured */
    int32_t rtcp_rx, rtcp_tx;
    int32_t srtp;                /* the SRTP suite: 0 plain RTP, 1 AES_CM_128_HMAC_SHA1_80, 2 ..._32 */
    int64_t rx_refused;          /* SRTP/SRTCP packets that failed their authentication (or replays) */
    /* T.38: the call switched to m=image (UDPTL on the same port); rx/tx_packets then count datagrams and
     * rx_lost the IFP packets no datagram brought */
    int32_t t38;                 /* 1 while the line carries T.38 */
    int64_t t38_rx_ifp, t38_tx_ifp;   /* IFP packets taken and sent */
    int64_t t38_recovered;       /* IFP packets rebuilt from a later datagram's redundancy */
    /* a bridge's T.38 gateway in this call (the line's bridge with a card's line, t38_gw.c): 1 once it
     * engaged, and spandsp's figures so far (pages through, the image bit rate, ECM) */
    int32_t t38_gateway, t38_gateway_pages, t38_gateway_bit_rate, t38_gateway_ecm;
    /* symmetric RTP: 1 once the far end's source address is latched (there); packets from others dropped */
    int32_t latched;
    char latched_addr[48];
    int32_t latched_port;
    int64_t rx_foreign;
} eng_rtp_stats_t;
int eng_sip_span(engine_t *e, const eng_sip_params_t *p, int nchans, int codec, int zone);
int eng_sip_rtp_stats(engine_t *e, int chan, eng_rtp_stats_t *out);

/* Line control */
int eng_hook(engine_t *e, int chan, int state);
int eng_cas(engine_t *e, int chan, int bits);
int eng_sigmsg(engine_t *e, int chan, const char *msg);
int eng_set_dsp(engine_t *e, int chan, int features);
int eng_set_zone(engine_t *e, int chan, int zone);
int eng_set_gain(engine_t *e, int chan, int rx_db, int tx_db);
int eng_set_cid_standard(engine_t *e, int chan, int standard);   /* what caller ID reception expects */

/* Media */
int eng_play_file(engine_t *e, int chan, int id, const char *path, int flags);
int eng_play_tone(engine_t *e, int chan, int id, const char *tone, int ms, int flags);
int eng_play_silence(engine_t *e, int chan, int id, int ms, int flags);
int eng_play_stop(engine_t *e, int chan, int id);      /* id 0: everything */
int eng_send_dtmf(engine_t *e, int chan, int id, const char *digits, int on_ms, int off_ms);
int eng_send_cid(engine_t *e, int chan, int id, int standard, int mdmf,
                 const char *number, const char *name, const char *datetime);
/* Message waiting to a phone on hook as FSK (bell202 MDMF/SDMF, v23 MDMF): the indicator on
 * with the count of new messages, or off (0); EV_CID_SENT at its end, as for caller ID. */
int eng_send_mwi(engine_t *e, int chan, int id, int standard, int mdmf, int messages);
/* The card's own indicator on a phone port (DAHDI_VMWI); how: ENG_VMWI_* bits. A card without
 * one gives EV_ERROR saying so. */
int eng_set_vmwi(engine_t *e, int chan, int how, int messages);
int eng_record(engine_t *e, int chan, int id, const char *path, int mode, int codec,
               int max_ms, int silence_ms, const char *stop_digits);
int eng_record_stop(engine_t *e, int chan, int id);    /* id 0: every recording of the channel */
int eng_conf_join(engine_t *e, int conf, int chan, int role, int whisper_to);
int eng_conf_leave(engine_t *e, int chan);
int eng_fax(engine_t *e, int chan, int id, int send, const char *path, int calling,
            int ecm, const char *ident, const char *header);
int eng_fax_stop(engine_t *e, int chan);
int eng_timer(engine_t *e, int id, int ms);
int eng_timer_cancel(engine_t *e, int id);
void eng_amd_defaults(eng_amd_params_t *p);
/* Start answering-machine detection on what the channel hears; EV_AMD with the decision (one at a time:
 * a new one stops the running one). */
int eng_amd(engine_t *e, int chan, int id, const eng_amd_params_t *p);
int eng_amd_stop(engine_t *e, int chan);

/* Micro-benchmarks of the per-frame hot paths (bench_paths.c, for bench/ under pytest-benchmark): one
 * path over many 160-sample frames in a C loop; nanoseconds per frame, -1.0 for arguments out of range. */
double eng_bench_g711(int codec, int encode, int frames);      /* ENG_CODEC_ALAW/ULAW; decode by table or encode */
double eng_bench_dtmf(int frames, int *digits);                 /* DTMF detection; *digits: digits it heard */
double eng_bench_conf_mix(int members, int frames);            /* one conference of speaking members, per frame */
/* The engine's G.711 encoder (tables) against spandsp's coders on all 65,536 samples: how many differ
 * (0), or -1 for a codec that is not ENG_CODEC_ALAW/ULAW. */
int eng_g711_check(int codec);

/* Benchmarks (bench.c) */
double eng_bench_bare_dsp(int frames, int nchans);   /* ns per channel-frame */
/* ns per pair-frame of fax terminals back to back, whole transfers; *transfers: transfers completed */
double eng_bench_bare_fax(const char *tx_path, const char *rx_dir, int pairs, int frames, int stagger,
                          int *transfers);
/* ns per channel-frame of bare RTP over loopback UDP: channels in pairs, each sends its peer one G.711
 * packet a frame and receives one (no jitter buffer, no RTCP); *received: packets received, -1.0 on failure */
double eng_bench_bare_rtp(int frames, int nchans, int64_t *received);

#endif
