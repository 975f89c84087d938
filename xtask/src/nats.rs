//! The NATS part of the bench: a server of its own, and the publish loop a
//! user would write directly with async-nats.

use anyhow::{Context, bail};
use sluice_testkit::NatsServer;

/// A `nats-server -js` with its store under target/data (the bench's
/// stream is larger than a small /tmp may hold), or `None` when none is
/// installed.
pub fn start() -> anyhow::Result<Option<NatsServer>> {
    let Some(bin) = NatsServer::binary() else { return Ok(None) };
    let dir = crate::generate::data_dir();
    std::fs::create_dir_all(&dir)?;
    NatsServer::start(&bin, Some(&dir)).map(Some).context("starting nats-server")
}

/// The publish loop written directly: the csv crate reads each row, serde_json
/// writes it as a message, async-nats publishes it to JetStream, and the
/// acknowledgements are awaited every 256 messages, as the sink does. With
/// FRAME, rows go `FRAME` to a message instead, in two partitions by
/// symbol, as the sink's frames do: a head line, then one tab-separated line
/// a row, its time in nanoseconds (a sluice worker reads them).
pub fn baseline(args: &[String]) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Tick<'a> {
        kind: &'static str,
        time: &'a str,
        symbol: &'a str,
        price: &'a str,
        volume: &'a str,
    }
    let (file, url, subject, stream, frame) = match args {
        [file, url, subject, stream] => (file, url, subject, stream, None),
        [file, url, subject, stream, frame] => (file, url, subject, stream, Some(frame.parse::<usize>()?)),
        _ => bail!("usage: cargo xtask nats-baseline FILE URL SUBJECT STREAM [FRAME]"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    rt.block_on(async {
        let client = async_nats::connect(url.as_str()).await?;
        let js = async_nats::jetstream::new(client);
        let config = async_nats::jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![subject.clone(), format!("{subject}.>")],
            ..Default::default()
        };
        js.get_or_create_stream(config).await?;
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_path(file)?;
        let mut rec = csv::StringRecord::new();
        let mut acks = Vec::with_capacity(256);
        let mut frames: [(Vec<u8>, usize); 2] = Default::default();
        let mut line = 1u64;
        while rdr.read_record(&mut rec)? {
            line += 1;
            let body = match frame {
                None => {
                    let tick = Tick { kind: "tick", time: &rec[0], symbol: &rec[1], price: &rec[2], volume: &rec[3] };
                    (subject.clone(), serde_json::to_vec(&tick)?)
                }
                Some(n) => {
                    let p = (fnv1a(rec[1].as_bytes()) % 2) as usize;
                    let (lines, count) = &mut frames[p];
                    use std::io::Write;
                    let nanos = rec[0].parse::<jiff::Timestamp>()?.as_nanosecond();
                    writeln!(lines, "T\t{nanos}\t{}\t{}\t{}\tF0\t{line}", &rec[1], &rec[2], &rec[3])?;
                    *count += 1;
                    if *count < n {
                        continue;
                    }
                    (format!("{subject}.{p}.%"), framed(lines, count, file))
                }
            };
            acks.push(js.publish(body.0, body.1.into()).await?);
            if acks.len() == 256 {
                for ack in acks.drain(..) {
                    ack.await?;
                }
            }
        }
        for (p, (lines, count)) in frames.iter_mut().enumerate() {
            if *count > 0 {
                acks.push(js.publish(format!("{subject}.{p}.%"), framed(lines, count, file).into()).await?);
            }
        }
        for ack in acks {
            ack.await?;
        }
        anyhow::Ok(())
    })
}

/// A frame of `lines` (emptied), `count` of them (reset).
fn framed(lines: &mut Vec<u8>, count: &mut usize, file: &str) -> Vec<u8> {
    let mut body = format!("{{\"frame\":1,\"records\":{count},\"names\":[{:?}]}}\n", file).into_bytes();
    body.append(lines);
    *count = 0;
    body
}

/// The sink's partition hash.
fn fnv1a(key: &[u8]) -> u64 {
    key.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Empties streams (those that exist), so that a bench that publishes the
/// same file again and again does not fill the disk.
pub fn purge(args: &[String]) -> anyhow::Result<()> {
    let [url, streams @ ..] = args else { bail!("usage: cargo xtask nats-purge URL STREAM...") };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    rt.block_on(async {
        let js = async_nats::jetstream::new(async_nats::connect(url.as_str()).await?);
        for name in streams {
            if let Ok(stream) = js.get_stream(name).await {
                stream.purge().await?;
            }
        }
        anyhow::Ok(())
    })
}
