"""Writes a tick CSV as Parquet the way pandas and pyarrow write it:
timestamps as datetime64[ns, UTC] (Parquet TIMESTAMP(NANOS)), the symbol
as a category (dictionary-encoded), prices as float64, volumes as int64,
snappy-compressed, in row groups of 700 rows. Rows pandas cannot read as
a good tick are left out, and the CSV lines of those kept are written as
the twin the Parquet file must replay like.

usage: to_parquet.py IN.csv OUT.parquet TWIN.csv
"""
import sys

import pandas as pd

source, parquet, twin = sys.argv[1:4]
with open(source, encoding="utf-8") as f:
    header, *lines = f.read().splitlines()
kept = []
for line in lines:
    fields = line.split(",")
    if len(fields) != 4:
        continue
    try:
        ts = pd.Timestamp(fields[0])
        price, volume = float(fields[2]), int(fields[3])
    except ValueError:
        continue
    if price > 0 and fields[1] and ts.tzinfo is not None:
        kept.append(line)
frame = pd.DataFrame([line.split(",") for line in kept], columns=header.split(","))
frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
frame["symbol"] = frame["symbol"].astype("category")
frame["price"] = frame["price"].astype("float64")
frame["volume"] = frame["volume"].astype("int64")
frame.to_parquet(parquet, engine="pyarrow", compression="snappy", row_group_size=700, index=False)
with open(twin, "w", encoding="utf-8") as f:
    f.write("\n".join([header, *kept]) + "\n")
