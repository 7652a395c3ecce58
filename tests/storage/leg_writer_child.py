"""Run by test_durability.py: open legs as fast as the store takes them, printing each acknowledged id.

    python leg_writer_child.py URL NODE CONCURRENCY

Every id is printed (and flushed) only after its open_leg() returned, i.e.
after COMMIT; every other leg is closed again. Runs until killed.
"""
from __future__ import annotations

import asyncio
import sys

from telephonist.storage import CallRecordStore, LegOpen


async def worker(store: CallRecordStore, node: str, w: int) -> None:
    n = 0
    while True:
        n += 1
        leg_id = await store.open_leg(LegOpen(call_id=f"w{w}-{n}", direction="inbound", span="sim0", channel=w,
                                              caller="100", dialled="200", node=node))
        sys.stdout.write(f"{leg_id}\n")
        sys.stdout.flush()
        await store.add_event(leg_id, "ring", {"n": n})
        if n % 2 == 0:
            await store.close_leg(leg_id, "answered", hangup_cause="normal")


async def main(url: str, node: str, concurrency: int) -> None:
    store = CallRecordStore(url)
    await asyncio.gather(*[worker(store, node, w) for w in range(concurrency)])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
