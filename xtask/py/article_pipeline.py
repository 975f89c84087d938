"""The article's generator pipeline, reading a tick CSV instead of a random
ticker: the peer that `sluice replay --transcript` is measured against.

usage: python3 article_pipeline.py FILE SYMBOL > transcript
"""
import sys


def ticks(path):
    with open(path) as f:
        next(f)  # header
        for line in f:
            ts, symbol, price, volume = line.rstrip("\n").split(",")
            yield {"timestamp": ts, "symbol": symbol, "price": float(price), "volume": volume}


def trading_bot(symbol, entry_threshold=150.0, exit_threshold=200.0):
    print("[BOT] Initialized. State: WATCHING")
    entry_price = 0.0
    while True:
        try:
            while True:
                price = yield
                print(f"[WATCHING] {symbol} @ ${price:.2f}")
                if price <= entry_threshold:
                    entry_price = price
                    print(f"[SIGNAL] Entry at ${entry_price:.2f} → switching to ACTIVE")
                    break
            while True:
                price = yield
                pnl = price - entry_price
                print(f"[ACTIVE]   {symbol} @ ${price:.2f} | PnL: ${pnl:+.2f}")
                if price >= exit_threshold:
                    print(f"[SIGNAL] Exit at ${price:.2f} | Profit: ${pnl:.2f} → switching to WATCHING")
                    break
        except ValueError as e:
            print(f"[ERROR] Bad data received: {e}. Resetting to WATCHING.")
            entry_price = 0.0


def main(path, symbol):
    bot = trading_bot(symbol)
    next(bot)
    n = 0
    for tick in (t for t in ticks(path) if t["symbol"] == symbol):
        if tick["price"] < 0:
            bot.throw(ValueError(f"Negative price: {tick['price']}"))
        else:
            bot.send(tick["price"])
        n += 1
    bot.close()
    print(f"\n[BRIDGE] Pipeline complete. Processed {n} {symbol} ticks.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
