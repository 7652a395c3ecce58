/*
 * The T.38 gateway of a bridge (ITU-T T.38's "Internet-aware fax" gateway, Annex D's "emitting gateway"):
 * a bridge of two whose one member is a sip line that may carry T.38 (its span's t38 is accept or on) and the
 * other a line carrying audio (a card's analog or E1 line, a sim line) with a fax machine behind it.
 *
 * When it engages: the sip line's call goes to m=image (the far end re-INVITEs, as the receiving gateway does,
 * or we did). On a span with t38 = on we ask ourselves when the audio line brings CED or the V.21 preamble
 * (the called fax machine answering: Annex D's rule), or CNG too where the span says t38_gateway_cng (the
 * calling machine): the sip line re-INVITEs (sip_t38.c, the same request a fax receive makes).
 *
 * Then the audio line's frames go through spandsp's t38_gateway on the fax worker (a pipe held by the audio
 * line, fax_worker.c): its audio in and out, and in the same slot the sip line's IFP packets in and out. The
 * bridge's mix goes on but the audio line sends the gateway's audio (a fax pipe comes first in chan_tx) and the
 * sip line sends no audio while it carries T.38 (rtp.c).
 *
 * When it ends: the sip line's call returns to audio (the bridge is audio again at once), the call ends (its
 * media stops), the bridge breaks or the audio line hangs up.
 *
 * What chand hears, on the sip line (EV_SIGMSG, like the sip driver's own MEDIA):
 *   MEDIA kind=t38_gateway with=<audio line>                       engaged
 *   MEDIA kind=t38_gateway_page pages= bit_rate= ecm=              a page went through (spandsp's count)
 *   MEDIA kind=t38_gateway_end pages= bit_rate= ecm= why=audio|ended|bridge|hangup
 * and the line's rtp stats (eng_sip_rtp_stats) keep the call's gateway figures, read when the call ends.
 *
 * All of it runs on the media thread (gw_tick after the drivers' tick_begin, gw_detect after every line was
 * read); the gateway's DSP runs on the fax worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_private.h"

static int can_carry_t38(const chan_t *c)
{
    return c->span->ops->t38_on && c->span->ops->t38_mode;
}

/* A bridge of a T.38-capable line and an audio line: 1 and the two, else 0. */
static int pair_of(const conf_t *f, chan_t **line, chan_t **audio)
{
    chan_t *a, *b;

    if (f->nmembers != 2)
        return 0;
    a = f->members[0];
    b = f->members[1];
    if (a->conf_role != ENG_CONF_SPEAK || b->conf_role != ENG_CONF_SPEAK)
        return 0;
    if (can_carry_t38(a) && !can_carry_t38(b)) {
        *line = a;
        *audio = b;
        return 1;
    }
    if (can_carry_t38(b) && !can_carry_t38(a)) {
        *line = b;
        *audio = a;
        return 1;
    }
    return 0;
}

static int mode_of(chan_t *line, int *cng)
{
    *cng = 0;
    return line->span->ops->t38_mode(line->span, cng);
}

/* The line carries T.38 now, in a call whose media runs. */
static int carries_t38(chan_t *line)
{
    return line->hook == ENG_HOOK_OFF && line->span->ops->t38_on(line->span, line);
}

static void say(engine_t *e, chan_t *line, const char *fmt, int a, int b, int c, const char *why)
{
    char text[ENG_TEXT_MAX];

    snprintf(text, sizeof(text), fmt, a, b, c, why);
    eng_emit(e, EV_SIGMSG, line->id, 0, 0, 0, 0, 0, text);
}

static void tones_free(chan_t *audio)
{
    if (audio->gw_tones) {
        modem_connect_tones_rx_free(audio->gw_tones);
        audio->gw_tones = NULL;
    }
    if (audio->gw_cng) {
        modem_connect_tones_rx_free(audio->gw_cng);
        audio->gw_cng = NULL;
    }
    audio->gw_heard = 0;
}

/* The call's gateway figures, for eng_sip_rtp_stats (another thread) */
static void figures(chan_t *line, int pages, int rate, int ecm)
{
    __atomic_store_n(&line->gw_pages, pages, __ATOMIC_RELAXED);
    __atomic_store_n(&line->gw_rate, rate, __ATOMIC_RELAXED);
    __atomic_store_n(&line->gw_ecm, ecm, __ATOMIC_RELAXED);
}

void gw_call_begins(chan_t *line)
{
    __atomic_store_n(&line->gw_used, 0, __ATOMIC_RELAXED);
    figures(line, 0, 0, 0);
}

static void engage(engine_t *e, chan_t *line, chan_t *audio)
{
    char text[ENG_TEXT_MAX];

    tones_free(audio);
    if (!e->faxw || fax_gateway_attach(e, audio, line, 0, 1) < 0) {
        eng_emit(e, EV_ERROR, line->id, 0, ENG_ENOMEM, 0, 0, 0,
                 "t38 gateway: cannot start (no fax worker, or out of memory); the bridge stays audio");
        line->gw_refused = 1;
        return;
    }
    line->gw_audio = audio;
    figures(line, 0, 0, 0);
    __atomic_store_n(&line->gw_used, 1, __ATOMIC_RELAXED);
    snprintf(text, sizeof(text), "MEDIA kind=t38_gateway with=%d", audio->id);
    eng_emit(e, EV_SIGMSG, line->id, 0, 0, 0, 0, 0, text);
}

void gw_end(engine_t *e, chan_t *audio, const char *why)
{
    chan_t *line;
    int pages, rate, ecm;

    if (!fax_chan_is_gateway(audio))
        return;
    line = fax_gateway_line(audio);
    fax_gateway_stats(audio, &pages, &rate, &ecm);
    figures(line, pages, rate, ecm);
    say(e, line, "MEDIA kind=t38_gateway_end pages=%d bit_rate=%d ecm=%d why=%s", pages, rate, ecm, why);
    line->gw_audio = NULL;
    fax_chan_stop(e, audio, why);
}

void gw_leave(engine_t *e, chan_t *c)
{
    if (fax_chan_is_gateway(c))
        gw_end(e, c, "bridge");
    if (c->gw_audio)
        gw_end(e, c->gw_audio, "bridge");
    tones_free(c);
    c->gw_asked = 0;
    c->gw_refused = 0;
}

void gw_tick(engine_t *e)
{
    conf_t *f;
    chan_t *line, *audio;
    int cng, pages, rate, ecm;

    for (f = e->confs; f; f = f->next) {
        if (!pair_of(f, &line, &audio) || mode_of(line, &cng) == ENG_SIP_T38_OFF)
            continue;
        if (line->gw_audio == audio) {
            if (!carries_t38(line)) {
                gw_end(e, audio, line->hook == ENG_HOOK_OFF ? "audio" : "ended");
                continue;
            }
            fax_gateway_stats(audio, &pages, &rate, &ecm);
            if (pages > line->gw_pages)
                say(e, line, "MEDIA kind=t38_gateway_page pages=%d bit_rate=%d ecm=%d%s", pages, rate, ecm, "");
            figures(line, pages, rate, ecm);    /* each tick: a fax that fails before a page keeps its rate */
        } else if (carries_t38(line) && !audio->fax && !line->fax && !line->gw_refused) {
            engage(e, line, audio);
        }
        if (line->hook == ENG_HOOK_ON)
            line->gw_asked = line->gw_refused = 0;     /* the next call on the line may ask again */
    }
}

static void heard(void *user_data, int code, int level, int delay)
{
    chan_t *audio = user_data;

    (void) level;
    (void) delay;
    if (code == MODEM_CONNECT_TONES_FAX_CED || code == MODEM_CONNECT_TONES_FAX_PREAMBLE
        || code == MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE || code == MODEM_CONNECT_TONES_FAX_CNG)
        audio->gw_heard = code;
}

void gw_detect(engine_t *e)
{
    conf_t *f;
    chan_t *line, *audio;
    int cng;

    for (f = e->confs; f; f = f->next) {
        if (!pair_of(f, &line, &audio) || mode_of(line, &cng) != ENG_SIP_T38_ON || line->gw_asked
            || line->hook != ENG_HOOK_OFF || audio->fax || line->fax || line->span->ops->t38_on(line->span, line))
            continue;
        if (!audio->gw_tones) {
            audio->gw_tones = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE, heard, audio);
            if (cng)
                audio->gw_cng = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CNG, heard, audio);
            if (!audio->gw_tones)
                continue;
        }
        modem_connect_tones_rx(audio->gw_tones, chan_rx_lin(e, audio), e->frame);
        if (audio->gw_cng)
            modem_connect_tones_rx(audio->gw_cng, chan_rx_lin(e, audio), e->frame);
        if (audio->gw_heard) {
            line->gw_asked = 1;                 /* once per call: a refusal leaves the fax on G.711 */
            tones_free(audio);
            if (line->span->ops->fax_begins)
                line->span->ops->fax_begins(line->span, line, 0);
        }
    }
}
