/*
 * libFuzzer harness: UDPTL (csrc/udptl.c). The first byte picks the way in:
 *   0: the rest is one datagram from the network, parsed (twice, as a repeat would come): nothing may read
 *      outside it, and what it yields must fit the batch;
 *   1: the rest is a call: IFP packets (a length byte and that many bytes each, length 0 skipped) framed by
 *      one side and parsed by the other, with the datagrams lost whose bit is set in a loss mask (the next
 *      bytes). What arrives must be the packets sent, in order, without repeats; with redundancy, every
 *      packet lost with fewer than UDPTL_DEPTH losses after it before the next datagram that came is
 *      recovered (T.38's promise), and nothing is ever made up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "udptl.h"

#define MAX_PKTS 64

static void one_datagram(const uint8_t *data, size_t size)
{
    udptl_t u;
    t38_batch_t b;
    int i;

    udptl_reset(&u, UDPTL_DEPTH, 400);
    t38_batch_clear(&b);
    for (i = 0; i < 2; i++) {
        int got = udptl_parse(&u, data, (int) (size > 4000 ? 4000 : size), &b);
        if (got > UDPTL_MAX_SECONDARIES + 1 || (i == 1 && got > 0))
            abort();                    /* the same datagram again yields nothing */
    }
    if (b.n > T38_BATCH_PKTS || b.used > T38_BATCH_BYTES)
        abort();
}

static void call(const uint8_t *data, size_t size)
{
    uint8_t sent[MAX_PKTS][UDPTL_IFP_MAX], dgram[UDPTL_DATAGRAM_MAX];
    int sent_len[MAX_PKTS], n = 0, i, at = 0, lost_run = 0, redundancy;
    uint64_t loss = 0;
    udptl_t tx, rx;
    t38_batch_t b;
    int next = 0;                       /* the next packet the receiver should see */

    if (size < 9)
        return;
    redundancy = data[0] & 1;
    memcpy(&loss, data + 1, 8);
    data += 9;
    size -= 9;
    while ((size_t) at < size && n < MAX_PKTS) {
        int len = data[at++];
        if (len == 0 || (size_t) (at + len) > size)
            continue;
        memcpy(sent[n], data + at, (size_t) len);
        sent_len[n++] = len;
        at += len;
    }
    udptl_reset(&tx, redundancy ? UDPTL_DEPTH : 0, UDPTL_DATAGRAM_MAX);
    udptl_reset(&rx, UDPTL_DEPTH, UDPTL_DATAGRAM_MAX);
    for (i = 0; i < n; i++) {
        int dl = udptl_build(&tx, sent[i], sent_len[i], dgram, sizeof(dgram)), k;
        if (dl < 0)
            abort();
        if (i > 0 && (loss >> (i % 64)) & 1) {  /* the first always arrives: it starts the sequence */
            lost_run++;
            continue;
        }
        t38_batch_clear(&b);
        if (udptl_parse(&rx, dgram, dl, &b) < 0)
            abort();
        for (k = 0; k < b.n; k++) {
            int seq = b.seq[k];
            while (next < seq)
                next++;                 /* skipped: allowed only beyond what redundancy carries */
            if (seq != next || seq > i || b.len[k] != sent_len[seq]
                || memcmp(b.data + b.off[k], sent[seq], (size_t) sent_len[seq]) != 0)
                abort();
            next++;
        }
        if (next != i + 1)
            abort();                    /* the datagram's own packet always arrives */
        if (redundancy && lost_run <= UDPTL_DEPTH && b.n != lost_run + 1)
            abort();                    /* every packet of a short loss came back */
        lost_run = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        call(data + 1, size - 1);
    else
        one_datagram(data + 1, size - 1);
    return 0;
}
