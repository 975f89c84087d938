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
/// acknowledgements are awaited every 256 messages, as the sink does.
pub fn baseline(args: &[String]) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Tick<'a> {
        kind: &'static str,
        time: &'a str,
        symbol: &'a str,
        price: &'a str,
        volume: &'a str,
    }
    let [file, url, subject, stream] = args else { bail!("usage: cargo xtask nats-baseline FILE URL SUBJECT STREAM") };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    rt.block_on(async {
        let client = async_nats::connect(url.as_str()).await?;
        let js = async_nats::jetstream::new(client);
        let config = async_nats::jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![subject.clone()],
            ..Default::default()
        };
        js.get_or_create_stream(config).await?;
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_path(file)?;
        let mut rec = csv::StringRecord::new();
        let mut acks = Vec::with_capacity(256);
        while rdr.read_record(&mut rec)? {
            let tick = Tick { kind: "tick", time: &rec[0], symbol: &rec[1], price: &rec[2], volume: &rec[3] };
            let body = serde_json::to_vec(&tick)?;
            acks.push(js.publish(subject.clone(), body.into()).await?);
            if acks.len() == 256 {
                for ack in acks.drain(..) {
                    ack.await?;
                }
            }
        }
        for ack in acks {
            ack.await?;
        }
        anyhow::Ok(())
    })
}
