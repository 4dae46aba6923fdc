"""pyarrow's side of the S3 read benchmark (bench/s3.sh): the same object, the same columns.

    python bench/s3_pyarrow.py BUCKET/KEY RUNS [COLUMNS (default c2,c5)]

S3 is configured from the environment bench/s3.sh (tests/oracles/moto.sh) sets:
AWS_ENDPOINT_URL (http://host:port), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.

Timed: RUNS reads of the columns into memory (pyarrow.parquet.read_table on a
pyarrow.fs.S3FileSystem, pre-buffering on, its default), from opening the object to the
table, after one untimed read that opens the connections; "ms" is the best run.

pyarrow does not count what its S3 client fetched. Two more, untimed, reads tell:
- bytes: a read through a pass-through file that counts what the Parquet reader asked
  of the S3 file: each ReadAt of a pyarrow S3 file is one ranged GET of exactly those
  bytes (pre-buffering merges ranges above the file, in the Parquet reader, so the
  ranges are those of the timed reads). It runs with use_threads=False: with threads,
  a Python file makes pyarrow 26 abort at exit; the ranges are the same.
- requests: with MOTO_LOG set (tests/oracles/moto.sh exports it: moto's request log), a
  plain read as timed, counting the requests moto logged meanwhile (HEADs included; no
  one else talks to moto then); without it, the counted read's GETs and its open's HEAD.

Prints "ms <best>", "bytes <n>", "requests <n>", "requests_detail <how counted>",
"rows <n>" and "pyarrow <version>".
"""
import os
import sys
import threading
import time
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq


class CountingFile:
    """A file-like object over a pyarrow NativeFile counting read calls and bytes."""

    def __init__(self, raw):
        self.raw = raw
        self.lock = threading.Lock()
        self.reads = 0
        self.bytes = 0
        self.closed = False

    def readable(self):
        return True

    def seekable(self):
        return True

    def writable(self):
        return False

    def size(self):
        return self.raw.size()

    def seek(self, pos, whence=0):
        return self.raw.seek(pos, whence)

    def tell(self):
        return self.raw.tell()

    def read(self, n=-1):
        data = self.raw.read(n)
        with self.lock:
            self.reads += 1
            self.bytes += len(data)
        return data

    def close(self):
        self.closed = True
        self.raw.close()


def filesystem():
    url = urlparse(os.environ["AWS_ENDPOINT_URL"])
    return pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"],
        secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ.get("AWS_REGION", "us-east-1"),
        endpoint_override=url.netloc,
        scheme=url.scheme or "http",
    )


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, runs = sys.argv[1], int(sys.argv[2])
    columns = (sys.argv[3] if len(sys.argv) > 3 else "c2,c5").split(",")
    fs = filesystem()
    pq.read_table(path, columns=columns, filesystem=fs)  # connections, untimed
    best = None
    rows = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        table = pq.read_table(path, columns=columns, filesystem=fs)
        ms = (time.perf_counter() - t0) * 1e3
        rows = table.num_rows
        best = ms if best is None or ms < best else best
        del table
    counting = CountingFile(fs.open_input_file(path))  # the HEAD
    table = pq.read_table(pa.PythonFile(counting, mode="r"), columns=columns, use_threads=False)
    if table.num_rows != rows:
        sys.exit(f"the counted read gave {table.num_rows} rows, not {rows}")
    requests, detail = counting.reads + 1, "the counted read's GETs and its HEAD"
    log = os.environ.get("MOTO_LOG")
    if log and os.path.exists(log):
        with open(log, "rb") as f:
            n0 = len(f.readlines())
        pq.read_table(path, columns=columns, filesystem=fs)
        time.sleep(0.5)  # moto logs a request after answering it
        with open(log, "rb") as f:
            lines = [ln.decode("utf-8", "replace") for ln in f.readlines()[n0:]]
        methods = {}
        for ln in lines:
            if ' HTTP/1.1' in ln and '"' in ln:  # every request meanwhile: only we ask
                m = ln.split('"', 1)[1].split()[0].lstrip("\x1b[0123456789;m")
                methods[m] = methods.get(m, 0) + 1
        requests = sum(methods.values())
        detail = "moto's log, one plain read: " + ", ".join(f"{v} {k}" for k, v in sorted(methods.items()))
    print(f"ms {best:.1f}\nbytes {counting.bytes}\nrequests {requests}\n"
          f"requests_detail {detail}\nrows {rows}\npyarrow {pa.__version__}", flush=True)
    # pyarrow wants its S3 client shut down before the interpreter exits
    del table, counting, fs
    pafs.finalize_s3()


if __name__ == "__main__":
    main()
