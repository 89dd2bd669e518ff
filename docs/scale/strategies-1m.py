#!/usr/bin/python3
"""Fills a Cam SQLite database with a synthetic job of N results for timing `cam report --strategies` at scale.

Usage: strategies-1m.py DB JOB_ID [N]   (DB: made by `cam run --no-report`, whose job JOB_ID this replaces the
results and items of). Five classes, 7x7 maps stored as float32: per class, an object blob at a random place in
80 % of the maps, and in 20 % a blob pinned to the top-left corner with a weak one on the object. Items carry
meta {"camera": "A"|"B"}; no boxes (the geometry needs images).
"""
import sqlite3
import sys

import numpy as np


def main():
    db, job, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    rng = np.random.default_rng(27)
    con = sqlite3.connect(db)
    cur = con.cursor()
    job_blob = cur.execute("select id from jobs where id = ? or lower(id) = lower(?)", (job, job)).fetchone()[0]
    cur.execute("delete from results where job_id = ?", (job_blob,))
    cur.execute("delete from items where job_id = ?", (job_blob,))
    y, x = np.mgrid[0:7, 0:7] + 0.5
    chunk = 50_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        cls = rng.integers(0, 5, m)
        cy, cx = rng.uniform(1, 6, m), rng.uniform(1, 6, m)
        maps = np.exp(-((y[None] - cy[:, None, None]) ** 2 + (x[None] - cx[:, None, None]) ** 2) / 2.0)
        pinned = rng.random(m) < 0.2
        mark = np.exp(-((y - 0.5) ** 2 + (x - 0.5) ** 2) / 0.8)
        maps[pinned] = 0.2 * maps[pinned] + mark[None]
        maps += rng.uniform(0, 0.05, maps.shape)
        maps = (maps / maps.reshape(m, -1).max(1)[:, None, None]).astype("<f4")
        items = [(job_blob, start + i, 0, f"images/{start + i:07d}.png", None, None,
                  '{"camera":"%s"}' % ("B" if pinned[i] else "A"), "succeeded") for i in range(m)]
        cur.executemany("insert into items (job_id, number, shard_number, path, label, boxes, meta, state) values (?,?,?,?,?,?,?,?)", items)
        results = [(job_blob, start + i, "gradcam", "features", int(cls[i]), 0, 1.0, 0.9, 7, 7, maps[i].tobytes(), 0, 0, 1.0,
                    int(cls[i]), int(cls[i])) for i in range(m)]
        cur.executemany("insert into results (job_id, item_number, method, layer, class_index, class_rank, score, probability, "
                        "map_height, map_width, map, peak_y, peak_x, energy, predicted_class, label_class) "
                        "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", results)
        con.commit()
    cur.execute("update jobs set results = ?, total_items = ?, succeeded_items = ? where id = ?", (n, n, n, job_blob))
    con.commit()
    print(f"{n} results in {db}")


if __name__ == "__main__":
    main()
