#!/usr/bin/env python3
"""Which tables a SQLite database's write-ahead log is written for, while a load runs (bench/profile.sh WALSTAT=1).

  walstat.py watch WAL OUT SECONDS    read the log file every 0.5 s for SECONDS and write, for every frame of the log
                                      seen (a frame: one page written by a commit), its page number to OUT
  walstat.py report OUT PAGES         PAGES: "pageno name" lines (sqlite3's dbstat); prints each table's share of
                                      the frames seen

A frame belongs to the log's current generation when its salts match the header's; the log starts again from its
beginning after a checkpoint has copied it all, with new salts, so each generation's frames are counted once, by
(salts, offset). Generations that come and go between two reads are missed: the figures are a sample, by share.
A page maps to the table or index that owns it when the report runs (a freed and reused page counts for its new owner).
"""
import collections
import struct
import sys
import time

HEADER, FRAME_HEADER = 32, 24


def frames(data):
    """(salts, offset, page number) of the frames of the log's current generation in data."""
    if len(data) < HEADER:
        return
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    offset = HEADER
    while offset + FRAME_HEADER + page_size <= len(data):
        if data[offset + 8:offset + 16] != salts:
            return  # a frame of an earlier generation: the current one ends here
        yield salts, offset, struct.unpack(">I", data[offset:offset + 4])[0]
        offset += FRAME_HEADER + page_size


def watch(wal, out, seconds):
    seen = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(wal, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            data = b""
        for salts, offset, page in frames(data):
            seen[(salts, offset)] = page
        time.sleep(0.5)
    with open(out, "w") as f:
        f.writelines("%d\n" % page for page in seen.values())


def report(out, pages):
    owner = {}
    with open(pages) as f:
        for line in f:
            number, _, name = line.strip().partition(" ")
            owner[int(number)] = name
    counts = collections.Counter()
    with open(out) as f:
        for line in f:
            counts[owner.get(int(line), "(free or new)")] += 1
    total = sum(counts.values())
    if not total:
        print("SQLite log: no frames seen")
        return
    print("SQLite log, frames by table (%d frames sampled, every 0.5 s): share" % total)
    for name, count in counts.most_common(12):
        print("%8.1f %%  %s" % (100.0 * count / total, name))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
