"""An independent backtest of sluice's crossover strategy in pandas.

Reads a tick CSV (timestamp,symbol,price,volume) and prints one line per
closed trade, `symbol entry_time entry_price exit_time exit_price pnl`,
then `open symbol entry_time entry_price` for positions still held.

The averages are compared as sluice compares them, without rounding: the
prices in cents are integers, their rolling sums are exact in float64, and
fast_sum * slow against slow_sum * fast decides which is above.

Usage: crossover_oracle.py FILE FAST SLOW [BAR]   (BAR as pandas reads it: 1min)
"""

import sys
from decimal import Decimal

import pandas as pd


def crossings(values: pd.Series, fast: int, slow: int) -> pd.Series:
    """+1 where the fast mean crosses above the slow one, -1 below, else 0."""
    f = values.rolling(fast).sum() * slow
    s = values.rolling(slow).sum() * fast
    order = (f > s).astype(int) - (f < s).astype(int)
    order[s.isna()] = 0
    # A tie keeps the previous order; the first order known is no crossing.
    side = order.replace(0, pd.NA).ffill()
    before = side.shift(1)
    cross = (side != before) & before.notna() & side.notna()
    return (side.where(cross, 0)).fillna(0).astype(int)


def main() -> None:
    path, fast, slow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bar = sys.argv[4] if len(sys.argv) > 4 else None
    ticks = pd.read_csv(path, dtype={"symbol": str, "price": str})
    ticks["time"] = pd.to_datetime(ticks["timestamp"], utc=True)
    ticks["cents"] = ticks["price"].map(lambda p: int(Decimal(p) * 100))
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for symbol, rows in ticks.groupby("symbol", sort=True):
        rows = rows.reset_index(drop=True)
        if bar is None:
            signal = crossings(rows["cents"].astype("int64"), fast, slow)
        else:
            # Bar closes (empty bars dropped); a crossing on a bar's close is
            # traded at the first tick of a later bar.
            closes = rows.set_index("time")["cents"].resample(bar).last().dropna()
            cross = crossings(closes, fast, slow)
            cross = cross[cross != 0]
            bars = rows["time"].dt.floor(bar)
            first_after = rows.groupby(bars).head(1)
            signal = pd.Series(0, index=rows.index)
            for start, c in cross.items():
                later = first_after[first_after["time"] >= start + pd.Timedelta(bar)]
                if len(later):
                    signal[later.index[0]] = c
        held = None
        for i, s in signal.items():
            price = Decimal(rows.at[i, "price"])
            if s == 1 and held is None:
                held = (rows.at[i, "time"], price)
            elif s == -1 and held is not None:
                out.append(f"{symbol} {stamp(held[0])} {held[1]} {stamp(rows.at[i, 'time'])} {price} {price - held[1]}")
                held = None
        if held is not None:
            out.append(f"open {symbol} {stamp(held[0])} {held[1]}")
    print("\n".join(out))


main()
