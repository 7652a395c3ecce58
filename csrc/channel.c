/*
 * A channel's media for one tick: receive (read, decode, detect), then
 * transmit (fax, caller ID, conference, playback, DTMF; encode, write),
 * then record. Commands from Python land here in the media thread.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"
#include "dtmf_q24.h"

static void apply_gain(int16_t *amp, int n, int q12)
{
    int i;
    for (i = 0; i < n; i++) {
        int32_t v = ((int32_t) amp[i] * q12) >> 12;
        amp[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
}

static int db_to_q12(int db)
{
    /* 10^(db/20) in Q12, by table: the range is small and fixed */
    static const int tab[49] = {
        258, 290, 325, 365, 410, 460, 516, 579, 649, 728, 817, 917, 1029, 1154, 1295, 1453,
        1631, 1830, 2053, 2303, 2584, 2900, 3254, 3651, 4096, 4596, 5157, 5786, 6492, 7284,
        8173, 9170, 10289, 11544, 12953, 14533, 16306, 18296, 20529, 23034, 25844, 28997,
        32536, 36505, 40959, 45957, 51564, 57856, 64915
    };
    if (db < -24)
        db = -24;
    if (db > 24)
        db = 24;
    return tab[db + 24];
}

int chan_is_active(const chan_t *c)
{
    return c->hook != ENG_HOOK_ON || c->dsp || c->play_head || c->nrec || c->conf || c->fax
           || c->dtmf_tx_id || c->cid_tx_id || c->amd || c->sig_tone;
}

void chan_sig_tone(chan_t *c, int f1, int f2, int level_dbm0)
{
    tone_gen_descriptor_t desc;

    if (c->sig_tone) {
        tone_gen_free(c->sig_tone);
        c->sig_tone = NULL;
    }
    if (f1 <= 0)
        return;
    tone_gen_descriptor_init(&desc, f1, level_dbm0, f2, f2 > 0 ? level_dbm0 : 0, 1000, 0, 0, 0, 1);
    c->sig_tone = tone_gen_init(NULL, &desc);
}

/* The signalling's tone mixed into this frame's audio. */
static void signal_tone_tx(engine_t *e, chan_t *c, int16_t *tx, int *have)
{
    int16_t buf[MAX_FRAME];
    int i, n = e->frame;

    tone_gen(c->sig_tone, buf, n);
    if (!*have) {
        memcpy(tx, buf, sizeof(int16_t) * (size_t) n);
        *have = 1;
        return;
    }
    for (i = 0; i < n; i++) {
        int32_t v = (int32_t) tx[i] + buf[i];
        tx[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
}

/* What a channel's tick touches first, asked of the cache while the channel before it is worked on (tick() in
 * engine.c). With thousands of channels their state does not stay cached from one tick to the next, and each
 * miss stalls the media thread: the 160-byte copies into a line's buffer or a recording cost it a fifth of its
 * time at 6,000 channels before these hints. Prefetching never faults, so a pointer about to change is harmless. */
static void prefetch_span(const void *p, int bytes)
{
    const char *b = p;
    int off;

    for (off = 0; off < bytes; off += 64)
        __builtin_prefetch(b + off, 1);
}

/* The lines of the channel whose pointers the other two follow: asked for a few channels further ahead. */
void chan_prefetch_head(const chan_t *c)
{
    __builtin_prefetch(c, 1);
    __builtin_prefetch(&c->play_head, 1);
    __builtin_prefetch(&c->rec[0], 1);
    __builtin_prefetch(&c->conf, 1);
    __builtin_prefetch(&c->fax, 1);         /* fax, fax_next, drv and active share this line */
}

void chan_prefetch_rx(const chan_t *c)
{
    prefetch_span(c->rx_raw, 160);
    prefetch_span(c->rx_lin, 320);
    if (c->span->ops->prefetch)
        c->span->ops->prefetch(c->span, (chan_t *) c, 0);
    if (c->dtmf_rx)
        dtmf_q24_prefetch(c->dtmf_rx);
    if (c->fax)
        fax_chan_prefetch(c, 0);
}

void chan_prefetch_tx(const chan_t *c)
{
    prefetch_span(c->tx_raw, 160);
    if (c->span->ops->prefetch)
        c->span->ops->prefetch(c->span, (chan_t *) c, 1);
    play_prefetch(c);
    rec_prefetch(c);
    if (c->fax)
        fax_chan_prefetch(c, 1);
}

const int16_t *chan_rx_lin(engine_t *e, chan_t *c)
{
    if (!c->rx_lin_valid) {
        codec_decode(e, c->codec, c->rx_raw, c->rx_lin, e->frame);
        if (c->rx_gain != 4096)
            apply_gain(c->rx_lin, e->frame, c->rx_gain);
        c->rx_lin_valid = 1;
    }
    return c->rx_lin;
}

const int16_t *chan_tx_lin(engine_t *e, chan_t *c)
{
    if (!c->tx_lin_valid) {
        codec_decode(e, c->codec, c->tx_raw, c->tx_lin, e->frame);
        c->tx_lin_valid = 1;
    }
    return c->tx_lin;
}

void chan_rx(engine_t *e, chan_t *c)
{
    int n = e->frame;
    int bytes = n * codec_bytes_per_sample(c->codec);

    c->rx_lin_valid = 0;
    if (c->span->ops->t38_on && c->span->ops->t38_on(c->span, c)) {
        /* the line carries T.38 (IFP packets, not audio): they go to its fax terminal, the rest hears silence */
        memset(c->rx_raw, e->silence_byte[c->codec], (size_t) bytes);
        if (c->fax)
            fax_chan_rx_t38(e, c);
        else if (!c->gw_audio)         /* a bridge's gateway: the audio line's tick takes them */
            c->span->ops->t38_read(c->span, c, NULL);
    } else {
        if (c->span->ops->read(c->span, c, c->rx_raw, n) <= 0)
            memset(c->rx_raw, e->silence_byte[c->codec], (size_t) bytes);
        if (c->fax)
            fax_chan_rx(e, c, chan_rx_lin(e, c), n);
    }
    if (c->dsp)
        dsp_rx(e, c, chan_rx_lin(e, c), n);
    if (c->amd)
        amd_rx(e, c, chan_rx_lin(e, c), n);
}

void chan_tx(engine_t *e, chan_t *c)
{
    int n = e->frame;
    int have = 0;

    c->tx_lin_valid = 0;
    c->tx_raw_valid = 0;
    if (c->fax) {
        fax_chan_tx(e, c, c->tx_lin, n);
        have = 1;
    } else if (c->cid_tx_id) {
        cid_tx(e, c, c->tx_lin, &have);
    } else {
        if (c->conf && c->conf_out_valid) {
            memcpy(c->tx_lin, c->conf_out, sizeof(int16_t) * (size_t) n);
            have = 1;
        }
        /* The common IVR case, a prompt in the line's own codec and nothing
         * else to mix: pass the bytes through without decoding or encoding. */
        if (!have && !c->dtmf_tx_id && !c->sig_tone && c->tx_gain == 4096 && play_tick_raw(e, c, c->tx_raw)) {
            c->tx_raw_valid = 1;
        } else {
            play_tick(e, c, c->tx_lin, &have);
            dsp_tx_dtmf(e, c, c->tx_lin, &have);
            if (c->sig_tone)
                signal_tone_tx(e, c, c->tx_lin, &have);
        }
    }
    if (!c->tx_raw_valid) {
        if (have) {
            if (c->tx_gain != 4096)
                apply_gain(c->tx_lin, n, c->tx_gain);
            codec_encode(c->codec, c->tx_lin, c->tx_raw, n);
            c->tx_lin_valid = 1;
        } else {
            memset(c->tx_raw, e->silence_byte[c->codec], (size_t) (n * codec_bytes_per_sample(c->codec)));
        }
        c->tx_raw_valid = 1;
    }
    c->span->ops->write(c->span, c, c->tx_raw, n);
    rec_tick(e, c);
}

void chan_hangup_media(engine_t *e, chan_t *c, int reason)
{
    play_stop(e, c, 0, reason);
    rec_stop_id(e, c, 0, reason);
    if (fax_chan_is_gateway(c))
        gw_end(e, c, "hangup");
    if (c->fax)
        fax_chan_stop(e, c, "the line went on hook");
    if (c->conf)
        conf_leave(e, c);
    if (c->dtmf_tx_id) {
        eng_emit(e, EV_DTMF_SENT, c->id, c->dtmf_tx_id, ENG_END_HANGUP, 0, 0, 0, NULL);
        c->dtmf_tx_id = 0;
    }
    if (c->cid_tx_id) {
        eng_emit(e, EV_CID_SENT, c->id, c->cid_tx_id, ENG_END_HANGUP, 0, 0, 0, NULL);
        c->cid_tx_id = 0;
    }
    amd_stop(e, c, ENG_AMD_CAUSE_HANGUP);
}

static void play_cmd(engine_t *e, chan_t *c, cmd_t *cmd)
{
    play_item_t *p = cmd->ptr;
    cmd->ptr = NULL;
    p->next = NULL;
    if (c->play_tail)
        c->play_tail->next = p;
    else
        c->play_head = p;
    c->play_tail = p;
}

void chan_apply_cmd(engine_t *e, chan_t *c, cmd_t *cmd)
{
    int rc;

    switch (cmd->op) {
    case CMD_HOOK:
        c->hook = cmd->a == ENG_HOOK_OFF ? ENG_HOOK_OFF : (cmd->a == ENG_HOOK_ON ? ENG_HOOK_ON : c->hook);
        rc = c->span->ops->hook ? c->span->ops->hook(c->span, c, cmd->a) : ENG_EINVAL;
        if (rc < 0)
            eng_emit(e, EV_ERROR, c->id, 0, rc, 0, 0, 0, "hook: the driver refused the hook state");
        if (cmd->a == ENG_HOOK_ON)
            chan_hangup_media(e, c, ENG_END_HANGUP);
        break;
    case CMD_CAS:
        if (!c->span->ops->cas || c->span->ops->cas(c->span, c, cmd->a) < 0)
            eng_emit(e, EV_ERROR, c->id, 0, ENG_EINVAL, 0, 0, 0, "cas: not supported on this channel");
        break;
    case CMD_SIGMSG:
        if (!c->span->ops->sigmsg || c->span->ops->sigmsg(c->span, c, cmd->s1) < 0)
            eng_emit(e, EV_ERROR, c->id, 0, ENG_EINVAL, 0, 0, 0, "sigmsg: not supported on this channel");
        break;
    case CMD_DSP:
        dsp_set(e, c, cmd->a);
        break;
    case CMD_ZONE:
        c->zone = cmd->a;
        if (c->progress)
            progress_enable(e, c, 1);   /* rebuild on the new zone's tones */
        break;
    case CMD_LINE_TONE:
        progress_set_line_tone(e, c, cmd->ptr);
        cmd->ptr = NULL;
        break;
    case CMD_GAIN:
        c->rx_gain = db_to_q12(cmd->a);
        c->tx_gain = db_to_q12(cmd->b);
        break;
    case CMD_PLAY:
        play_cmd(e, c, cmd);
        break;
    case CMD_PLAY_STOP:
        play_stop(e, c, cmd->id, ENG_END_STOPPED);
        break;
    case CMD_DTMF:
        if (c->span->ops->send_dtmf)
            c->span->ops->send_dtmf(c->span, c, cmd->id, cmd->s1, cmd->a, cmd->b);
        else
            dsp_send_dtmf(e, c, cmd->id, cmd->s1, cmd->a, cmd->b);
        break;
    case CMD_CID:
        cid_send(e, c, cmd->id, cmd->a, cmd->b, cmd->s1, cmd->s2, cmd->s3);
        break;
    case CMD_RECORD:
        rec_start(e, c, cmd->ptr);
        cmd->ptr = NULL;
        break;
    case CMD_RECORD_STOP:
        rec_stop_id(e, c, cmd->id, ENG_END_STOPPED);
        break;
    case CMD_CONF_JOIN:
        if (conf_join(e, c, cmd->a, cmd->b, cmd->c) < 0)
            eng_emit(e, EV_ERROR, c->id, 0, ENG_ENOMEM, 0, 0, 0, "conference: cannot join");
        break;
    case CMD_CONF_LEAVE:
        conf_leave(e, c);
        break;
    case CMD_FAX:               /* a, b, c: send, calling, ecm; s1, s2, s3: path, ident, header */
        if (cmd->d < 0) {
            eng_emit(e, EV_FAX_DONE, c->id, cmd->id, -1, 0, 0, 0, cmd->s1);
            break;
        }
        if (c->fax) {
            eng_emit(e, EV_FAX_DONE, c->id, cmd->id, -1, 0, 0, 0, "a fax session is already running on this channel");
            break;
        }
        if (fax_chan_attach(e, c, cmd->id, cmd->a, cmd->s1, cmd->b, cmd->c, cmd->s2, cmd->s3) < 0)
            eng_emit(e, EV_FAX_DONE, c->id, cmd->id, -1, 0, 0, 0, "fax: out of memory");
        break;
    case CMD_FAX_STOP:
        if (c->fax && !fax_chan_is_gateway(c))     /* a bridge's gateway ends with its bridge (t38_gw.c) */
            fax_chan_stop(e, c, "stopped by command");
        break;
    case CMD_LOOPBACK:
        sim_set_loopback(e, c, cmd->a);
        break;
    case CMD_IMPAIR:
        sim_set_impair(e, c, cmd->a, cmd->b, cmd->c);
        break;
    case CMD_CID_STANDARD:
        cid_set_standard(e, c, cmd->a);
        break;
    case CMD_MWI:
        cid_send_mwi(e, c, cmd->id, cmd->a, cmd->b, cmd->c);
        break;
    case CMD_AMD:
        amd_start(e, c, cmd->id, cmd->ptr);
        break;
    case CMD_AMD_STOP:
        amd_stop(e, c, ENG_AMD_CAUSE_STOPPED);
        break;
    case CMD_VMWI:
        if (!c->span->ops->vmwi)
            eng_emit(e, EV_ERROR, c->id, 0, ENG_ESTATE, 0, 0, 0,
                     "message waiting: this line has no indicator of its own (FSK only)");
        else
            c->span->ops->vmwi(c->span, c, cmd->a, cmd->b);    /* the driver emits its error */
        break;
    default:
        break;
    }
}

void chan_free(chan_t *c)
{
    play_item_t *p, *next;
    int i;

    if (!c)
        return;
    for (p = c->play_head; p; p = next) {
        next = p->next;
        play_item_free(p);
    }
    for (i = 0; i < c->nrec; i++)
        rec_free(c->rec[i]);
    fax_chan_free(c);
    if (c->gw_tones)
        modem_connect_tones_rx_free(c->gw_tones);
    if (c->gw_cng)
        modem_connect_tones_rx_free(c->gw_cng);
    amd_free(c);
    chan_sig_tone(c, 0, 0, 0);
    dsp_free(c);
    cid_free(c);
    progress_free(c);
    free(c);
}
