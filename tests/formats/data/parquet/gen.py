# Regenerates small_nested.parquet and small_plain_v2.parquet (pyarrow 26): the fixtures of
# test_parquet_read.c (truncation and corruption tests) and seeds of fuzz_parquet_read.
import pyarrow as pa, pyarrow.parquet as pq
n = 40
t = pa.table({
    'id': pa.array(range(n), pa.int64()),
    's': pa.array([None if i % 5 == 0 else f's{i % 7}' for i in range(n)]),
    'l': pa.array([None if i % 6 == 0 else [i, None][: i % 3] for i in range(n)], pa.list_(pa.int32())),
    'st': pa.array([None if i % 4 == 1 else {'a': i, 'b': None if i % 3 else 'x'} for i in range(n)]),
    'm': pa.array([None if i % 7 == 0 else [('k', i)] for i in range(n)], pa.map_(pa.string(), pa.int64())),
    'd': pa.array([i / 4 for i in range(n)]),
})
pq.write_table(t, 'small_nested.parquet', data_page_size=128, row_group_size=25,
               write_page_checksum=True, compression='snappy')
pq.write_table(t.select(['id', 's', 'd']), 'small_plain_v2.parquet', use_dictionary=False,
               data_page_version='2.0', compression='NONE', row_group_size=20)
