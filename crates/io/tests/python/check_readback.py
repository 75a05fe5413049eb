"""Reads a Parquet file written by cf with pyarrow and awkward and prints what they see as JSON.

Usage: check_readback.py FILE COLLECTION FIELD
The Rust test compares the printed structure and values with what it wrote.
"""
import json
import sys

try:
    import awkward as ak
    import pyarrow.parquet as pq
except ImportError as err:
    sys.exit(f"missing Python module ({err}); run: pip install -r tests/requirements.txt")

path, collection, field = sys.argv[1:4]
table = pq.read_table(path)
events = ak.from_parquet(path)
values = events[collection][field]
print(json.dumps({
    "pyarrow_num_rows": table.num_rows,
    "pyarrow_type": str(table.schema.field(collection).type),
    "awkward_type": str(ak.type(values)),
    "awkward_fields": events.fields,
    "values": ak.to_list(values),
}))
