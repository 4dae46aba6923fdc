"""pyarrow's side of the Parquet benchmarks (bench/parquet.sh): same files, same modes.

    python bench/parquet_pyarrow.py write IN.csv OUT.parquet snappy|zstd
    python bench/parquet_pyarrow.py read FILE.parquet all|two|pruned [LO HI]

Prints "ms <elapsed>" and "rows <n>"; the CSV is loaded before the clock starts.
"""
import sys
import time

import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main():
    mode = sys.argv[1]
    if mode == "write":
        table = pacsv.read_csv(sys.argv[2])
        t0 = time.perf_counter()
        pq.write_table(table, sys.argv[3], compression=sys.argv[4])
        ms = (time.perf_counter() - t0) * 1e3
        print(f"ms {ms:.1f}\nrows {table.num_rows}")
        return
    path, what = sys.argv[2], sys.argv[3]
    t0 = time.perf_counter()
    if what == "all":
        table = pq.read_table(path)
    elif what == "two":
        table = pq.read_table(path, columns=["id", "value"])
    else:
        lo, hi = int(sys.argv[4]), int(sys.argv[5])
        table = pq.read_table(path, filters=[("id", ">=", lo), ("id", "<=", hi)])
    ms = (time.perf_counter() - t0) * 1e3
    print(f"ms {ms:.1f}\nrows {table.num_rows}")


if __name__ == "__main__":
    main()
