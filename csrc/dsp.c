/*
 * Detectors and generators a channel turns on as it needs them: DTMF (spandsp
 * dtmf_rx, a second detector of ours and ITU-T Q.24's checks, in dtmf_q24.c),
 * voice activity, fax connect tones (CNG/CED), and, through callerid.c and
 * progress.c, caller ID and call progress tones.
 * Detectors are created when a feature is enabled and freed when disabled,
 * so an idle channel costs nothing.
 */
#include <string.h>

#include "dtmf_q24.h"
#include "engine_private.h"

#define VAD_THRESHOLD 16000     /* mean square, about -42 dBm0 */
#define VAD_ON_FRAMES 2         /* 40 ms of energy starts a voice run */
#define VAD_OFF_MS 600          /* this much quiet ends it */

/* dtmf_q24.c reports a digit's start (code) and its end (0), always in pairs. */
static void dtmf_report(void *user_data, int code, int level)
{
    chan_t *c = user_data;
    engine_t *e = c->span->eng;
    char d[2] = {0, 0};

    if (code) {
        c->dtmf_digit = (char) code;
        c->dtmf_began_ms = e->now_ms;
        d[0] = (char) code;
        eng_emit(e, EV_DTMF_BEGIN, c->id, 0, 0, level, 0, 0, d);
        play_on_dtmf(e, c);
    } else if (c->dtmf_digit) {
        d[0] = c->dtmf_digit;
        c->dtmf_digit = 0;
        eng_emit(e, EV_DTMF, c->id, 0, (int) (e->now_ms - c->dtmf_began_ms), level, 0, 0, d);
        rec_on_dtmf(e, c, d[0]);
    }
}

static void faxtone_report(void *user_data, int code, int level, int delay)
{
    chan_t *c = user_data;
    (void) level;
    (void) delay;
    if (code == MODEM_CONNECT_TONES_FAX_CNG)
        eng_emit(c->span->eng, EV_FAXTONE, c->id, 0, 1, 0, 0, 0, "CNG");
    else if (code == MODEM_CONNECT_TONES_FAX_CED || code == MODEM_CONNECT_TONES_FAX_PREAMBLE
             || code == MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE)
        eng_emit(c->span->eng, EV_FAXTONE, c->id, 0, 1, 0, 0, 0, "CED");
}

int dsp_set(engine_t *e, chan_t *c, int features)
{
    (void) e;
    if ((features & ENG_DSP_DTMF) && !c->dtmf_rx) {
        c->dtmf_rx = dtmf_q24_init(dtmf_report, c);
        c->dtmf_digit = 0;
    } else if (!(features & ENG_DSP_DTMF) && c->dtmf_rx) {
        dtmf_q24_free(c->dtmf_rx);
        c->dtmf_rx = NULL;
    }
    if ((features & ENG_DSP_FAXTONE) && !c->cng_rx) {
        c->cng_rx = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CNG, faxtone_report, c);
        c->ced_rx = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CED, faxtone_report, c);
    } else if (!(features & ENG_DSP_FAXTONE) && c->cng_rx) {
        modem_connect_tones_rx_free(c->cng_rx);
        modem_connect_tones_rx_free(c->ced_rx);
        c->cng_rx = c->ced_rx = NULL;
    }
    if ((features & ENG_DSP_VAD) && !(c->dsp & ENG_DSP_VAD)) {
        c->vad_state = 0;
        c->vad_loud_frames = c->vad_quiet_frames = 0;
    }
    cid_rx_enable(e, c, (features & ENG_DSP_CID) != 0);
    progress_enable(e, c, (features & ENG_DSP_PROGRESS) != 0);
    c->dsp = features;
    return 0;
}

static void vad_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    int64_t sum = 0;
    int i;
    for (i = 0; i < n; i++)
        sum += (int32_t) amp[i] * amp[i];
    if (sum / n > VAD_THRESHOLD) {
        c->vad_quiet_frames = 0;
        if (!c->vad_state && ++c->vad_loud_frames >= VAD_ON_FRAMES) {
            c->vad_state = 1;
            c->vad_since_ms = e->now_ms - (int64_t) (VAD_ON_FRAMES - 1) * e->frame_ms;
            eng_emit(e, EV_VAD, c->id, 0, 1, 0, 0, 0, NULL);
        }
    } else {
        c->vad_loud_frames = 0;
        if (c->vad_state && ++c->vad_quiet_frames * e->frame_ms >= VAD_OFF_MS) {
            int64_t len = e->now_ms - c->vad_since_ms - VAD_OFF_MS;
            c->vad_state = 0;
            eng_emit(e, EV_VAD, c->id, 0, 0, (int) len, 0, 0, NULL);
        }
    }
}

void dsp_rx(engine_t *e, chan_t *c, const int16_t *amp, int n)
{
    if (c->dtmf_rx)
        dtmf_q24_rx(c->dtmf_rx, amp, n);
    if (c->cid_rx)
        cid_rx(e, c, amp, n);
    if (c->progress)
        progress_rx(e, c, amp, n);
    if (c->cng_rx) {
        modem_connect_tones_rx(c->cng_rx, amp, n);
        modem_connect_tones_rx(c->ced_rx, amp, n);
    }
    if (c->dsp & ENG_DSP_VAD)
        vad_rx(e, c, amp, n);
}

int dsp_send_dtmf(engine_t *e, chan_t *c, int id, const char *digits, int on_ms, int off_ms)
{
    if (!c->dtmf_tx)
        c->dtmf_tx = dtmf_tx_init(NULL);
    if (c->dtmf_tx_id && c->dtmf_tx_id != id)
        eng_emit(e, EV_DTMF_SENT, c->id, c->dtmf_tx_id, ENG_END_STOPPED, 0, 0, 0, NULL);
    dtmf_tx_set_timing(c->dtmf_tx, on_ms, off_ms);
    dtmf_tx_put(c->dtmf_tx, digits, -1);
    c->dtmf_tx_id = id ? id : -1;
    return 0;
}

void dsp_tx_dtmf(engine_t *e, chan_t *c, int16_t *tx, int *have_tx)
{
    int16_t buf[MAX_FRAME];
    int n = e->frame, got, i;

    if (!c->dtmf_tx_id)
        return;
    got = dtmf_tx(c->dtmf_tx, buf, n);
    if (got < n) {
        memset(buf + got, 0, sizeof(int16_t) * (size_t) (n - got));
        eng_emit(e, EV_DTMF_SENT, c->id, c->dtmf_tx_id > 0 ? c->dtmf_tx_id : 0, ENG_END_DONE, 0, 0, 0, NULL);
        c->dtmf_tx_id = 0;
    }
    if (*have_tx) {
        for (i = 0; i < n; i++) {
            int32_t v = (int32_t) tx[i] + buf[i];
            tx[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
        }
    } else {
        memcpy(tx, buf, sizeof(int16_t) * (size_t) n);
        *have_tx = 1;
    }
}

void dsp_free(chan_t *c)
{
    dtmf_q24_free(c->dtmf_rx);
    if (c->dtmf_tx)
        dtmf_tx_free(c->dtmf_tx);
    if (c->cng_rx)
        modem_connect_tones_rx_free(c->cng_rx);
    if (c->ced_rx)
        modem_connect_tones_rx_free(c->ced_rx);
    c->dtmf_rx = NULL;
    c->dtmf_tx = NULL;
    c->cng_rx = c->ced_rx = NULL;
}
