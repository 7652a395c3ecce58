/*
 * The public commands (eng_hook, eng_play_*, eng_record ...): each checks its
 * arguments in the caller's thread and queues a command the media thread
 * applies at its next tick.
 *
 * Every number that comes from outside is checked here against the limits in
 * engine.h before it reaches the media thread, with 64-bit arithmetic where it
 * is scaled (milliseconds to samples), so that no value can overflow, run a
 * buffer or a loop past its end: a bad one is refused with ENG_EINVAL and a
 * text for eng_last_error() that names the argument, its value and its range.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

#define DTMF_DIGITS "0123456789*#ABCDabcd"
#define MAX_DTMF_SEND 128       /* digits in one eng_send_dtmf */
#define MAX_STOP_DIGITS 16      /* recorder.stop_digits holds these */

/* ---- helpers -------------------------------------------------------------------------------- */

static int check_chan(engine_t *e, const char *what, int chan)
{
    if (!eng_chan(e, chan))
        return eng_fail(e, ENG_ENOCHAN, "%s: no channel %d (the engine has %d)", what, chan, e->nchans);
    return 0;
}

#define CHECK_CHAN(e, what, chan) do { int rc_ = check_chan((e), (what), (chan)); if (rc_ < 0) return rc_; } while (0)

/* lo <= v <= hi, or ENG_EINVAL with "what: name N is out of range (lo..hi)" */
static int check_range(engine_t *e, const char *what, const char *name, int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo || v > hi)
        return eng_fail(e, ENG_EINVAL, "%s: %s %lld is out of range (%lld..%lld)", what, name, (long long) v,
                        (long long) lo, (long long) hi);
    return 0;
}

#define CHECK_RANGE(e, what, name, v, lo, hi) \
    do { int rc_ = check_range((e), (what), (name), (v), (lo), (hi)); if (rc_ < 0) return rc_; } while (0)

/* Only characters of set, at most max of them. */
static int check_chars(engine_t *e, const char *what, const char *name, const char *s, const char *set, size_t max)
{
    const char *p;
    if (strlen(s) > max)
        return eng_fail(e, ENG_EINVAL, "%s: %s has %zu characters; at most %zu", what, name, strlen(s), max);
    for (p = s; *p; p++)
        if (!strchr(set, *p))
            return eng_fail(e, ENG_EINVAL, "%s: %s may hold only %s, not '%c' (0x%02x)", what, name, set,
                            *p >= 0x20 && *p < 0x7f ? *p : '?', (unsigned char) *p);
    return 0;
}

static int queue(engine_t *e, cmd_t *cmd)
{
    if (!cmd)
        return eng_fail(e, ENG_ENOMEM, "out of memory");
    return eng_push_cmd(e, cmd);
}

static int simple_cmd(engine_t *e, int op, int chan, int id, int a, int b, int c)
{
    cmd_t *cmd = eng_new_cmd(op, chan, id);
    if (cmd) {
        cmd->a = a;
        cmd->b = b;
        cmd->c = c;
    }
    return queue(e, cmd);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- line control ---------------------------------------------------------------------------- */

int eng_hook(engine_t *e, int chan, int state)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "hook", chan);
    CHECK_RANGE(e, "hook", "state", state, ENG_HOOK_ON, ENG_HOOK_OPEN_LOOP);
    return simple_cmd(e, CMD_HOOK, chan, 0, state, 0, 0);
}

int eng_cas(engine_t *e, int chan, int bits)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "cas", chan);
    CHECK_RANGE(e, "cas", "bits", bits, 0, 0xF);
    return simple_cmd(e, CMD_CAS, chan, 0, bits, 0, 0);
}

int eng_sigmsg(engine_t *e, int chan, const char *msg)
{
    cmd_t *cmd;

    eng_clear_error(e);
    CHECK_CHAN(e, "signalling message", chan);
    if (!msg)
        return eng_fail(e, ENG_EINVAL, "signalling message: no message");
    /* it travels to the far end as an event's text */
    CHECK_RANGE(e, "signalling message", "length", (int64_t) strlen(msg), 0, ENG_TEXT_MAX - 1);
    if ((cmd = eng_new_cmd(CMD_SIGMSG, chan, 0)) != NULL && (cmd->s1 = strdup(msg)) == NULL) {
        free(cmd);
        cmd = NULL;
    }
    return queue(e, cmd);
}

int eng_set_dsp(engine_t *e, int chan, int features)
{
    const int all = ENG_DSP_DTMF | ENG_DSP_PROGRESS | ENG_DSP_CID | ENG_DSP_VAD | ENG_DSP_FAXTONE;

    eng_clear_error(e);
    CHECK_CHAN(e, "dsp", chan);
    if (features & ~all)
        return eng_fail(e, ENG_EINVAL, "dsp: unknown feature bits 0x%x", (unsigned) (features & ~all));
    return simple_cmd(e, CMD_DSP, chan, 0, features, 0, 0);
}

int eng_set_zone(engine_t *e, int chan, int zone)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "zone", chan);
    CHECK_RANGE(e, "zone", "zone", zone, 0, MAX_ZONES - 1);
    if (!e->zones[zone].committed)
        return eng_fail(e, ENG_EINVAL, "zone: tone zone %d is not defined", zone);
    return simple_cmd(e, CMD_ZONE, chan, 0, zone, 0, 0);
}

int eng_line_tone(engine_t *e, int chan, const char *name, const int *segs, int nseg)
{
    zone_tone_t *t = NULL;
    cmd_t *cmd;
    int i;

    eng_clear_error(e);
    CHECK_CHAN(e, "line tone", chan);
    CHECK_RANGE(e, "line tone", "segments", nseg, 0, MAX_TONE_SEGS);
    if (nseg > 0) {
        if (!name || !*name || strlen(name) >= sizeof(t->name))
            return eng_fail(e, ENG_EINVAL, "line tone: a name of 1..%zu characters", sizeof(t->name) - 1);
        if (!segs)
            return eng_fail(e, ENG_EINVAL, "line tone: no segments");
        for (i = 0; i < nseg; i++) {
            const int *s = &segs[4 * i];
            CHECK_RANGE(e, "line tone", "frequency", s[0], 0, 3900);
            CHECK_RANGE(e, "line tone", "second frequency", s[1], 0, 3900);
            CHECK_RANGE(e, "line tone", "segment ms", s[2], nseg == 1 ? 0 : 40, ENG_MAX_MEDIA_MS);
            CHECK_RANGE(e, "line tone", "tolerance ms", s[3], 0, s[2]);
            if (s[0] == 0 && s[1] != 0)
                return eng_fail(e, ENG_EINVAL, "line tone: segment %d: a second frequency without a first", i + 1);
        }
        if ((t = calloc(1, sizeof(*t))) == NULL)
            return eng_fail(e, ENG_ENOMEM, "out of memory");
        strcpy(t->name, name);
        t->detect = 1;
        t->nseg = nseg;
        for (i = 0; i < nseg; i++) {
            t->seg[i].f1 = segs[4 * i];
            t->seg[i].f2 = segs[4 * i + 1];
            t->seg[i].ms = segs[4 * i + 2];
            t->seg[i].tol_ms = segs[4 * i + 3];
        }
    }
    if ((cmd = eng_new_cmd(CMD_LINE_TONE, chan, 0)) == NULL) {
        free(t);
        return eng_fail(e, ENG_ENOMEM, "out of memory");
    }
    cmd->ptr = t;
    return eng_push_cmd(e, cmd);
}

int eng_set_gain(engine_t *e, int chan, int rx_db, int tx_db)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "gain", chan);
    CHECK_RANGE(e, "gain", "rx dB", rx_db, -24, 24);
    CHECK_RANGE(e, "gain", "tx dB", tx_db, -24, 24);
    return simple_cmd(e, CMD_GAIN, chan, 0, rx_db, tx_db, 0);
}

static int check_cid_standard(engine_t *e, const char *what, int standard, int dtmf_ok)
{
    if (standard == ENG_CID_BELL202 || standard == ENG_CID_V23 || (dtmf_ok && standard == ENG_CID_DTMF))
        return 0;
    return eng_fail(e, ENG_EINVAL, "%s: unknown caller ID standard %d (bell202 %d, v23 %d%s)", what, standard,
                    ENG_CID_BELL202, ENG_CID_V23, dtmf_ok ? ", dtmf 5" : "; DTMF cannot carry it");
}

int eng_set_cid_standard(engine_t *e, int chan, int standard)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "caller ID standard", chan);
    if (check_cid_standard(e, "caller ID standard", standard, 1) < 0)
        return ENG_EINVAL;
    return simple_cmd(e, CMD_CID_STANDARD, chan, 0, standard, 0, 0);
}

int eng_amd(engine_t *e, int chan, int id, const eng_amd_params_t *p)
{
    char why[120];
    eng_amd_params_t *copy;
    cmd_t *cmd;

    eng_clear_error(e);
    CHECK_CHAN(e, "amd", chan);
    if (!p)
        return eng_fail(e, ENG_EINVAL, "amd: no settings");
    if (amd_params_check(p, why, sizeof why) < 0)
        return eng_fail(e, ENG_EINVAL, "amd: %s", why);
    if ((copy = malloc(sizeof *copy)) == NULL)
        return eng_fail(e, ENG_ENOMEM, "amd: out of memory");
    *copy = *p;
    if ((cmd = eng_new_cmd(CMD_AMD, chan, id)) == NULL) {
        free(copy);
        return eng_fail(e, ENG_ENOMEM, "amd: out of memory");
    }
    cmd->ptr = copy;
    return eng_push_cmd(e, cmd);
}

int eng_amd_stop(engine_t *e, int chan)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "amd", chan);
    return simple_cmd(e, CMD_AMD_STOP, chan, 0, 0, 0, 0);
}

/* ---- media ------------------------------------------------------------------------------------- */

static int push_play(engine_t *e, int chan, play_item_t *p)
{
    cmd_t *cmd;
    if (!p)
        return eng_fail(e, ENG_ENOMEM, "play: out of memory");
    if ((cmd = eng_new_cmd(CMD_PLAY, chan, p->id)) == NULL) {
        play_item_free(p);
        return eng_fail(e, ENG_ENOMEM, "play: out of memory");
    }
    cmd->ptr = p;
    return eng_push_cmd(e, cmd);
}

static int check_play_flags(engine_t *e, int flags)
{
    const int all = ENG_PLAY_BARGE | ENG_PLAY_LAST | ENG_PLAY_LOOP;
    if (flags & ~all)
        return eng_fail(e, ENG_EINVAL, "play: unknown flag bits 0x%x", (unsigned) (flags & ~all));
    return 0;
}

int eng_play_file(engine_t *e, int chan, int id, const char *path, int flags)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "play", chan);
    if (!path)
        return eng_fail(e, ENG_EINVAL, "play: no file name");
    if (check_play_flags(e, flags) < 0)
        return ENG_EINVAL;
    /* Nothing here touches the disk: a prompt loader opens the file (prompt.c). */
    return push_play(e, chan, play_new_file(e, id, path, flags));
}

int eng_play_tone(engine_t *e, int chan, int id, const char *tone, int ms, int flags)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "play tone", chan);
    if (!tone)
        return eng_fail(e, ENG_EINVAL, "play tone: no tone name");
    CHECK_RANGE(e, "play tone", "ms (0: until stopped)", ms, 0, ENG_MAX_MEDIA_MS);
    if (check_play_flags(e, flags) < 0)
        return ENG_EINVAL;
    return push_play(e, chan, play_new_tone(e, &e->zones[e->chans[chan]->zone], id, tone, ms, flags));
}

int eng_play_silence(engine_t *e, int chan, int id, int ms, int flags)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "play silence", chan);
    CHECK_RANGE(e, "play silence", "ms", ms, 0, ENG_MAX_MEDIA_MS);
    if (check_play_flags(e, flags) < 0)
        return ENG_EINVAL;
    return push_play(e, chan, play_new_silence(id, ms, flags));
}

int eng_play_stop(engine_t *e, int chan, int id)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "stop playback", chan);
    return simple_cmd(e, CMD_PLAY_STOP, chan, id, 0, 0, 0);
}

int eng_send_dtmf(engine_t *e, int chan, int id, const char *digits, int on_ms, int off_ms)
{
    cmd_t *cmd;

    eng_clear_error(e);
    CHECK_CHAN(e, "send DTMF", chan);
    if (!digits || !*digits)
        return eng_fail(e, ENG_EINVAL, "send DTMF: no digits");
    if (check_chars(e, "send DTMF", "digits", digits, DTMF_DIGITS, MAX_DTMF_SEND) < 0)
        return ENG_EINVAL;
    CHECK_RANGE(e, "send DTMF", "on ms (0: 100)", on_ms, 0, ENG_MAX_DTMF_MS);
    CHECK_RANGE(e, "send DTMF", "off ms (0: 100)", off_ms, 0, ENG_MAX_DTMF_MS);
    if ((cmd = eng_new_cmd(CMD_DTMF, chan, id)) != NULL && (cmd->s1 = strdup(digits)) == NULL) {
        free(cmd);
        cmd = NULL;
    }
    if (cmd) {
        cmd->a = on_ms > 0 ? on_ms : 100;
        cmd->b = off_ms > 0 ? off_ms : 100;
    }
    return queue(e, cmd);
}

int eng_send_cid(engine_t *e, int chan, int id, int standard, int mdmf,
                 const char *number, const char *name, const char *datetime)
{
    cmd_t *cmd;

    eng_clear_error(e);
    CHECK_CHAN(e, "send caller ID", chan);
    if (check_cid_standard(e, "send caller ID", standard, 1) < 0)
        return ENG_EINVAL;
    /* the fields themselves are checked by cid_send(), which ends the burst with a reason */
    if ((cmd = eng_new_cmd(CMD_CID, chan, id)) != NULL) {
        cmd->a = standard;
        cmd->b = mdmf != 0;
        cmd->s1 = dup_or_null(number);
        cmd->s2 = dup_or_null(name);
        cmd->s3 = dup_or_null(datetime);
    }
    return queue(e, cmd);
}

int eng_send_mwi(engine_t *e, int chan, int id, int standard, int mdmf, int messages)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "send message waiting", chan);
    if (check_cid_standard(e, "send message waiting", standard, 0) < 0)
        return ENG_EINVAL;
    CHECK_RANGE(e, "send message waiting", "messages", messages, 0, ENG_MAX_MESSAGES);
    return simple_cmd(e, CMD_MWI, chan, id, standard, mdmf != 0, messages);
}

int eng_set_vmwi(engine_t *e, int chan, int how, int messages)
{
    const int all = ENG_VMWI_LREV | ENG_VMWI_HVDC | ENG_VMWI_HVAC;

    eng_clear_error(e);
    CHECK_CHAN(e, "message-waiting indicator", chan);
    if (how <= 0 || (how & ~all))
        return eng_fail(e, ENG_EINVAL, "message-waiting indicator: unknown kind 0x%x", (unsigned) how);
    CHECK_RANGE(e, "message-waiting indicator", "messages", messages, 0, ENG_MAX_MESSAGES);
    return simple_cmd(e, CMD_VMWI, chan, 0, how, messages, 0);
}

int eng_record(engine_t *e, int chan, int id, const char *path, int mode, int codec,
               int max_ms, int silence_ms, const char *stop_digits)
{
    cmd_t *cmd;
    recorder_t *rec;

    eng_clear_error(e);
    CHECK_CHAN(e, "record", chan);
    if (!path)
        return eng_fail(e, ENG_EINVAL, "record: no file name");
    CHECK_RANGE(e, "record", "mode", mode, ENG_REC_RX, ENG_REC_STEREO);
    CHECK_RANGE(e, "record", "codec", codec, ENG_CODEC_ALAW, ENG_CODEC_LINEAR);
    CHECK_RANGE(e, "record", "max ms (0: no limit)", max_ms, 0, ENG_MAX_MEDIA_MS);
    CHECK_RANGE(e, "record", "silence ms (0: off)", silence_ms, 0, ENG_MAX_MEDIA_MS);
    if (stop_digits && check_chars(e, "record", "stop digits", stop_digits, DTMF_DIGITS, MAX_STOP_DIGITS) < 0)
        return ENG_EINVAL;
    if (rec_claim_slot(e->chans[chan]) < 0)
        return eng_fail(e, ENG_EBUSY, "record: channel %d already has %d recordings running (the most it takes); "
                        "stop one first", chan, ENG_MAX_RECORDINGS);
    /* Nothing here touches the disk: the file is opened as the recording starts (record.c), and a
     * failure reaches the application as the recording's end, on its channel. The recorder holds the
     * slot from here, and gives it back as it is freed. */
    if ((rec = rec_new(e, e->chans[chan], id, path, mode, codec, max_ms, silence_ms, stop_digits)) == NULL)
        return eng_fail(e, ENG_ENOMEM, "record: out of memory");
    if ((cmd = eng_new_cmd(CMD_RECORD, chan, id)) == NULL) {
        rec_free(rec);
        return eng_fail(e, ENG_ENOMEM, "record: out of memory");
    }
    cmd->ptr = rec;
    return eng_push_cmd(e, cmd);
}

int eng_record_stop(engine_t *e, int chan, int id)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "stop recording", chan);
    return simple_cmd(e, CMD_RECORD_STOP, chan, id, 0, 0, 0);
}

int eng_conf_join(engine_t *e, int conf, int chan, int role, int whisper_to)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "conference join", chan);
    CHECK_RANGE(e, "conference join", "conference", conf, 1, INT32_MAX);
    CHECK_RANGE(e, "conference join", "role", role, ENG_CONF_SPEAK, ENG_CONF_WHISPER);
    if (role == ENG_CONF_WHISPER)
        CHECK_CHAN(e, "conference join: whisper to", whisper_to);
    return simple_cmd(e, CMD_CONF_JOIN, chan, 0, conf, role, whisper_to);
}

int eng_conf_leave(engine_t *e, int chan)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "conference leave", chan);
    return simple_cmd(e, CMD_CONF_LEAVE, chan, 0, 0, 0, 0);
}

int eng_fax(engine_t *e, int chan, int id, int send, const char *path, int calling,
            int ecm, const char *ident, const char *header)
{
    cmd_t *cmd;
    char err[300] = "";

    eng_clear_error(e);
    CHECK_CHAN(e, "fax", chan);
    if (!path)
        return eng_fail(e, ENG_EINVAL, "fax: no file name");
    /* T.30 carries 20 characters of station ident; spandsp's page header takes 50 */
    if (ident && strlen(ident) > 20)
        return eng_fail(e, ENG_EINVAL, "fax: the station ident has %zu characters; at most 20", strlen(ident));
    if (header && strlen(header) > 50)
        return eng_fail(e, ENG_EINVAL, "fax: the page header has %zu characters; at most 50", strlen(header));
    if ((cmd = eng_new_cmd(CMD_FAX, chan, id)) == NULL)
        return eng_fail(e, ENG_ENOMEM, "fax: out of memory");
    /* The document is checked by the fax worker, not here (no disk in the caller's thread); a failure
     * reaches the application as the fax's end. */
    if (strlen(path) >= FAX_PATH_MAX)
        snprintf(err, sizeof(err), "fax: the path is too long (at most %d bytes)", FAX_PATH_MAX - 1);
    if (err[0] || fax_worker_init(e, err, sizeof(err)) < 0) {
        cmd->d = -1;
        cmd->s1 = strdup(err);
    } else {
        cmd->a = send != 0;
        cmd->b = calling != 0;
        cmd->c = ecm != 0;
        cmd->s1 = strdup(path);
        cmd->s2 = dup_or_null(ident);
        cmd->s3 = dup_or_null(header);
    }
    return eng_push_cmd(e, cmd);
}

int eng_fax_stop(engine_t *e, int chan)
{
    eng_clear_error(e);
    CHECK_CHAN(e, "stop fax", chan);
    return simple_cmd(e, CMD_FAX_STOP, chan, 0, 0, 0, 0);
}

int eng_timer(engine_t *e, int id, int ms)
{
    eng_clear_error(e);
    /* due = now + ms in 64 bits: any int is a time the engine clock can reach */
    CHECK_RANGE(e, "timer", "ms", ms, 0, INT32_MAX);
    return simple_cmd(e, CMD_TIMER, -1, id, ms, 0, 0);
}

int eng_timer_cancel(engine_t *e, int id)
{
    eng_clear_error(e);
    return simple_cmd(e, CMD_TIMER_CANCEL, -1, id, 0, 0, 0);
}

/* ---- sim lines ------------------------------------------------------------------------------------ */

static int check_sim(engine_t *e, const char *what, int chan)
{
    CHECK_CHAN(e, what, chan);
    if (e->chans[chan]->span->ops != &sim_driver_ops)
        return eng_fail(e, ENG_EINVAL, "%s: channel %d is not on a sim span", what, chan);
    return 0;
}

int eng_sim_loopback(engine_t *e, int chan, int on)
{
    int rc;
    eng_clear_error(e);
    if ((rc = check_sim(e, "loopback", chan)) < 0)
        return rc;
    return simple_cmd(e, CMD_LOOPBACK, chan, 0, on != 0, 0, 0);
}

int eng_sim_impair(engine_t *e, int chan, int noise_dbm0, int echo_db, int loss_db)
{
    int rc;
    eng_clear_error(e);
    if ((rc = check_sim(e, "impair", chan)) < 0)
        return rc;
    CHECK_RANGE(e, "impair", "noise dBm0 (0: none)", noise_dbm0, -120, 0);
    CHECK_RANGE(e, "impair", "echo dB (0: none)", echo_db, 0, 120);
    CHECK_RANGE(e, "impair", "loss dB", loss_db, 0, 120);
    return simple_cmd(e, CMD_IMPAIR, chan, 0, noise_dbm0, echo_db, loss_db);
}

int eng_sim_far(engine_t *e, int chan)
{
    int rc;
    eng_clear_error(e);
    if ((rc = check_sim(e, "sim far end", chan)) < 0)
        return rc;
    return sim_far_of(e, e->chans[chan]);
}
