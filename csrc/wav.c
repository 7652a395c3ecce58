/*
 * WAV files: probing a prompt's format (RIFF chunks, 8 kHz mono G.711 or
 * 16-bit PCM only) and writing the header of a recording. A recording's
 * header is rewritten every second, and a header whose sizes were never
 * filled in (a process killed before the first rewrite) is read as "data to
 * the end of the file", so that a cut recording still plays.
 *
 * A prompt is outside bytes: the chunk walk adds lengths in 64 bits (a length of 0xFFFFFFF8 once
 * wrapped "8 + len" to 0 and looped for ever) and gives up after WAV_MAX_CHUNKS chunks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_private.h"

#define WAV_MAX_CHUNKS 64       /* before the data chunk; real prompts have two or three */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t) (p[0] | (p[1] << 8));
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
}

/* A chunk id for a message: its four characters, '?' for what is not printable. */
static void chunk_name(const uint8_t *ck, char out[5])
{
    int i;
    for (i = 0; i < 4; i++)
        out[i] = ck[i] >= 0x20 && ck[i] < 0x7f ? (char) ck[i] : '?';
    out[4] = '\0';
}

int wav_probe(int fd, const char *path, wav_info_t *info, char *err, int errlen)
{
    uint8_t hdr[12], ck[8], fmt[16];
    int64_t pos = 12;
    int have_fmt = 0, nchunks = 0;
    struct stat st;
    int fmt_tag = 0, bits = 0;

    if (fstat(fd, &st) < 0) {
        snprintf(err, (size_t) errlen, "%s: %s", path, strerror(errno));
        return ENG_EIO;
    }
    if (pread(fd, hdr, 12, 0) != 12 || memcmp(hdr, "RIFF", 4) != 0 || memcmp(hdr + 8, "WAVE", 4) != 0) {
        snprintf(err, (size_t) errlen, "%s: not a WAV file (no RIFF/WAVE header)", path);
        return ENG_EFORMAT;
    }
    for (;;) {
        uint32_t len;
        if (++nchunks > WAV_MAX_CHUNKS) {
            snprintf(err, (size_t) errlen, "%s: WAV file has more than %d chunks before its data", path,
                     WAV_MAX_CHUNKS);
            return ENG_EFORMAT;
        }
        if (pread(fd, ck, 8, pos) != 8) {
            snprintf(err, (size_t) errlen, "%s: WAV file has no data chunk", path);
            return ENG_EFORMAT;
        }
        len = le32(ck + 4);
        if (memcmp(ck, "fmt ", 4) == 0) {
            if (len < 16 || pread(fd, fmt, 16, pos + 8) != 16) {
                snprintf(err, (size_t) errlen, "%s: WAV fmt chunk is truncated", path);
                return ENG_EFORMAT;
            }
            fmt_tag = le16(fmt);
            info->channels = le16(fmt + 2);
            info->rate = (int) le32(fmt + 4);
            bits = le16(fmt + 14);
            if (fmt_tag == 0xFFFE && len >= 40) {
                uint8_t ext[26];
                if (pread(fd, ext, 26, pos + 8 + 14) == 26)
                    fmt_tag = le16(ext + 10);   /* sub-format GUID's first two bytes */
            }
            have_fmt = 1;
        } else if (memcmp(ck, "data", 4) == 0) {
            if (!have_fmt) {
                snprintf(err, (size_t) errlen, "%s: WAV data chunk before its fmt chunk", path);
                return ENG_EFORMAT;
            }
            info->data_offset = pos + 8;
            if (len == 0 || len == 0xFFFFFFFFu || info->data_offset + len > st.st_size)
                info->data_len = st.st_size - info->data_offset;   /* a recording cut short */
            else
                info->data_len = len;
            break;
        }
        pos += 8 + (int64_t) len + (len & 1);
        if (pos > st.st_size) {
            char name[5];
            chunk_name(ck, name);
            snprintf(err, (size_t) errlen, "%s: WAV chunk '%s' of %u bytes runs past the end of the file "
                     "(no data chunk)", path, name, len);
            return ENG_EFORMAT;
        }
    }
    if (fmt_tag == 6 && bits == 8)
        info->codec = ENG_CODEC_ALAW;
    else if (fmt_tag == 7 && bits == 8)
        info->codec = ENG_CODEC_ULAW;
    else if (fmt_tag == 1 && bits == 16)
        info->codec = ENG_CODEC_LINEAR;
    else {
        snprintf(err, (size_t) errlen, "%s: WAV encoding %d with %d bits is not supported "
                 "(use 16-bit PCM, A-law or mu-law)", path, fmt_tag, bits);
        return ENG_EFORMAT;
    }
    if (info->rate != 8000 || info->channels != 1) {
        snprintf(err, (size_t) errlen, "%s: WAV is %d Hz with %d channel(s); prompts must be 8000 Hz mono "
                 "(convert with: sox in.wav -r 8000 -c 1 out.wav)", path, info->rate, info->channels);
        return ENG_EFORMAT;
    }
    return 0;
}

int wav_write_header(int fd, int codec, int channels, int64_t data_len)
{
    uint8_t h[46];
    int bytes = codec_bytes_per_sample(codec);
    int hlen = codec == ENG_CODEC_LINEAR ? 44 : 46;    /* non-PCM fmt chunks carry cbSize */
    int fmtlen = codec == ENG_CODEC_LINEAR ? 16 : 18;
    uint32_t dl = data_len > 0xFFFFFFF0LL ? 0xFFFFFFF0u : (uint32_t) data_len;

    memcpy(h, "RIFF", 4);
    put32(h + 4, (uint32_t) (hlen - 8) + dl);
    memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, (uint32_t) fmtlen);
    put16(h + 20, (uint16_t) (codec == ENG_CODEC_ALAW ? 6 : codec == ENG_CODEC_ULAW ? 7 : 1));
    put16(h + 22, (uint16_t) channels);
    put32(h + 24, 8000);
    put32(h + 28, (uint32_t) (8000 * bytes * channels));
    put16(h + 32, (uint16_t) (bytes * channels));
    put16(h + 34, (uint16_t) (bytes * 8));
    if (fmtlen == 18)
        put16(h + 36, 0);
    memcpy(h + hlen - 8, "data", 4);
    put32(h + hlen - 4, dl);
    if (pwrite(fd, h, (size_t) hlen, 0) != hlen)
        return ENG_EIO;
    return hlen;
}
