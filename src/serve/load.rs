//! A bounded load test: N clients on loopback, each sending GETs from a list
//! in turn for a fixed time; reports throughput, latency percentiles and
//! errors (any transport failure or status ≥ 500 or unexpected 4xx).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;

/// What a load test measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Concurrent clients.
    pub clients: usize,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Requests completed.
    pub requests: usize,
    /// Failed requests.
    pub errors: usize,
    /// Requests per second.
    pub rps: f64,
    /// Median latency (ms).
    pub p50_ms: f64,
    /// 90th percentile (ms).
    pub p90_ms: f64,
    /// 99th percentile (ms).
    pub p99_ms: f64,
    /// Slowest request (ms).
    pub max_ms: f64,
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} clients, {:.1} s: {} requests, {:.1} req/s, errors {}, latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.clients, self.seconds, self.requests, self.rps, self.errors, self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms
        )
    }
}

/// Runs `clients` threads against `addr` for `duration`, cycling through
/// `paths` (each client starts at a different one).
pub fn load_test(
    addr: SocketAddr,
    paths: &[String],
    clients: usize,
    duration: Duration,
) -> LoadReport {
    let start = Instant::now();
    let results: Vec<(Vec<f64>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let mut lat = Vec::new();
                    let mut errors = 0;
                    let mut i = c;
                    while start.elapsed() < duration {
                        let path = &paths[i % paths.len()];
                        i += 1;
                        let t = Instant::now();
                        match super::client::get(addr, path) {
                            Ok(r) if r.status < 400 => {}
                            _ => errors += 1,
                        }
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    (lat, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mut lat: Vec<f64> = results
        .iter()
        .flat_map(|(l, _)| l.iter().copied())
        .collect();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            lat[((lat.len() - 1) as f64 * p).round() as usize]
        }
    };
    LoadReport {
        clients,
        seconds,
        requests: lat.len(),
        errors: results.iter().map(|(_, e)| e).sum(),
        rps: lat.len() as f64 / seconds,
        p50_ms: pct(0.5),
        p90_ms: pct(0.9),
        p99_ms: pct(0.99),
        max_ms: lat.last().copied().unwrap_or(0.0),
    }
}
