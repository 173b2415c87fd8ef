//! The two transports' promises (`sim::net`): on TCP-like streams a lost or
//! cut message is a delay and requests keep their order; datagrams are lost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::{ClockSettings, ClockSpread};
use sim::fault::{self, Fault, FaultPlan, Peers, Target, TimedFault};
use sim::history::{NodeId, Role};
use sim::net::streams::RTO_MIN;
use sim::net::{NetworkSettings, Rpc};
use sim::runner::run_seed;
use sim::time::SimTime;
use sim::world::{NodeCtx, RpcError, Transport, World};

struct Tagged(u64);

impl Rpc for Tagged {
    type Reply = u64;
    const NAME: &'static str = "test.tagged";
}

/// What the server served (tag, when) and what the client saw.
struct Outcome<T> {
    served: Vec<(u64, SimTime)>,
    client: T,
}

type LocalFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A server that records every request it serves, a client running
/// `client`, over `network` and `transport`, with `plan`, for `secs`.
fn run<T: Send + 'static>(
    transport: Transport,
    network: NetworkSettings,
    plan: FaultPlan,
    secs: u64,
    client: impl Fn(NodeCtx, NodeId) -> LocalFuture<T> + Send + Sync + 'static,
) -> Outcome<T> {
    run_seed(3, Duration::from_secs(3600), move || async move {
        let world = World::new(3, network, ClockSpread::NONE);
        world.set_transport(transport);
        let served: Arc<Mutex<Vec<(u64, SimTime)>>> = Arc::default();
        let log = served.clone();
        let server = world.add_node("server", Role::Server, ClockSettings::default(), move |ctx: NodeCtx| {
            let log = log.clone();
            async move {
                ctx.serve(move |Tagged(n)| {
                    log.lock().unwrap().push((n, SimTime::now()));
                    std::future::ready(n)
                });
                std::future::pending::<()>().await
            }
        });
        let out: Arc<Mutex<Option<T>>> = Arc::default();
        let sink = out.clone();
        let client = Arc::new(client);
        world.add_node("client", Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
            let (sink, client) = (sink.clone(), client.clone());
            async move {
                let value = client(ctx, server).await;
                *sink.lock().unwrap() = Some(value);
            }
        });
        fault::inject(&world, &plan);
        madsim::time::sleep(Duration::from_secs(secs)).await;
        let served = std::mem::take(&mut *served.lock().unwrap());
        let client = out.lock().unwrap().take().expect("the client finished");
        Outcome { served, client }
    })
    .unwrap()
}

/// The server cut off from 100 ms to 1150 ms.
fn server_cut_for_a_second() -> FaultPlan {
    FaultPlan::new(vec![TimedFault {
        when: None,
        at: ms(100),
        fault: Fault::isolate(vec![Target::Node("server".into())], Peers::All, ms(1050)),
    }])
}

/// One call before the cut (it connects), one into the cut (it times out),
/// one after it healed.
fn call_during_and_after_the_cut(
    ctx: NodeCtx,
    server: NodeId,
) -> LocalFuture<(Result<u64, RpcError>, Result<u64, RpcError>)> {
    Box::pin(async move {
        ctx.call(server, Tagged(0), ms(50)).await.expect("the network is whole before the cut");
        ctx.sleep(ms(500)).await;
        let during = ctx.call(server, Tagged(1), ms(200)).await;
        ctx.sleep(ms(700)).await;
        let after = ctx.call(server, Tagged(2), ms(200)).await;
        (during, after)
    })
}

/// As [`call_during_and_after_the_cut`] without the call before it: the
/// client's first connection is opened into the cut.
fn connect_during_the_cut(ctx: NodeCtx, server: NodeId) -> LocalFuture<(Result<u64, RpcError>, Result<u64, RpcError>)> {
    Box::pin(async move {
        ctx.sleep(ms(500)).await;
        let during = ctx.call(server, Tagged(1), ms(200)).await;
        ctx.sleep(ms(700)).await;
        let after = ctx.call(server, Tagged(2), ms(200)).await;
        (during, after)
    })
}

#[test]
fn a_request_sent_across_a_cut_link_is_served_after_it_heals_on_a_stream() {
    let out =
        run(Transport::Stream, NetworkSettings::default(), server_cut_for_a_second(), 5, call_during_and_after_the_cut);
    assert_eq!(out.client, (Err(RpcError::Timeout), Ok(2)));
    let tags: Vec<u64> = out.served.iter().map(|(n, _)| *n).collect();
    // The call after the heal went on a new connection (the client dropped the
    // old one at its timeout), so it is not stuck behind the retransmission.
    assert_eq!(tags, vec![0, 2, 1], "served: {:?}", out.served);
    let late = out.served[2].1;
    // Sent at 500 ms, retransmitted at 700 ms and 1100 ms (cut), then 1900 ms;
    // the second call, sent at 1400 ms, was served first.
    assert!(late >= SimTime::from_duration(ms(1900)) && late <= SimTime::from_duration(ms(1910)), "served at {late}");
}

#[test]
fn a_request_sent_across_a_cut_link_is_lost_as_a_datagram() {
    let out = run(
        Transport::Datagram,
        NetworkSettings::default(),
        server_cut_for_a_second(),
        5,
        call_during_and_after_the_cut,
    );
    assert_eq!(out.client, (Err(RpcError::Timeout), Ok(2)));
    assert_eq!(out.served.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![0, 2]);
}

#[test]
fn a_request_on_a_connection_that_never_got_through_is_never_served() {
    let out = run(Transport::Stream, NetworkSettings::default(), server_cut_for_a_second(), 5, connect_during_the_cut);
    assert_eq!(out.client, (Err(RpcError::Timeout), Ok(2)));
    // The client closed it while connecting: the request was never written.
    assert_eq!(out.served.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![2], "served: {:?}", out.served);
}

/// 200 calls, one after another, each waiting long enough for any retransmission.
fn two_hundred_calls(ctx: NodeCtx, server: NodeId) -> LocalFuture<Vec<(Result<u64, RpcError>, Duration)>> {
    Box::pin(async move {
        let mut results = Vec::new();
        for i in 0..200 {
            let t0 = SimTime::now();
            let reply = ctx.call(server, Tagged(i), Duration::from_secs(10)).await;
            results.push((reply, SimTime::now().since(t0)));
        }
        results
    })
}

#[test]
fn loss_on_a_stream_is_a_retransmission_delay_not_a_lost_request() {
    let lossy = NetworkSettings { loss: 0.2, ..NetworkSettings::default() };
    let out = run(Transport::Stream, lossy, FaultPlan::default(), 3000, two_hundred_calls);
    assert!(out.client.iter().all(|(reply, _)| reply.is_ok()), "every call is answered");
    assert_eq!(out.served.len(), 200, "and served once");
    let delayed = out.client.iter().filter(|(_, rtt)| *rtt >= RTO_MIN).count();
    // A round trip has two messages, each lost with probability 0.2.
    assert!((40..=100).contains(&delayed), "{delayed} of 200 round trips waited for a retransmission");
    let lost = run(Transport::Datagram, lossy, FaultPlan::default(), 3000, two_hundred_calls);
    let timeouts = lost.client.iter().filter(|(reply, _)| reply.is_err()).count();
    assert!((40..=100).contains(&timeouts), "{timeouts} of 200 datagram calls lost a message");
}

#[test]
fn requests_on_one_connection_are_served_in_the_order_they_were_sent() {
    // Latencies from 1 to 50 ms: datagrams overtake each other, a stream's do not.
    let jittery = NetworkSettings { loss: 0.1, latency_min: ms(1), latency_max: ms(50) };
    let burst = |ctx: NodeCtx, server: NodeId| -> LocalFuture<()> {
        Box::pin(async move {
            // madsim polls new tasks in a random order: number the
            // requests as they are sent, not as they are spawned.
            let sent = Arc::new(AtomicU64::new(0));
            let calls: Vec<_> = (0..50)
                .map(|_| {
                    let (ctx, server, sent) = (ctx.clone(), server, sent.clone());
                    madsim::task::spawn(async move {
                        let tag = sent.fetch_add(1, Ordering::Relaxed);
                        ctx.call(server, Tagged(tag), Duration::from_secs(60)).await
                    })
                })
                .collect();
            for call in calls {
                call.await.expect("the call task ran").expect("answered");
            }
        })
    };
    let stream = run(Transport::Stream, jittery, FaultPlan::default(), 60, burst);
    let order: Vec<u64> = stream.served.iter().map(|(n, _)| *n).collect();
    assert_eq!(order, (0..50).collect::<Vec<_>>());
    let datagram = run(Transport::Datagram, NetworkSettings { loss: 0.0, ..jittery }, FaultPlan::default(), 60, burst);
    let order: Vec<u64> = datagram.served.iter().map(|(n, _)| *n).collect();
    assert_ne!(order, (0..50).collect::<Vec<_>>(), "datagrams overtake (the control)");
}

#[test]
fn a_crash_resets_the_connection_and_what_was_on_it_is_never_served() {
    let mut plan = server_cut_for_a_second();
    plan.faults.push(TimedFault {
        when: None,
        at: ms(800),
        fault: Fault::Crash { target: Target::Node("server".into()), restart_after: Some(ms(100)), durable: true },
    });
    let out = run(Transport::Stream, NetworkSettings::default(), plan, 5, call_during_and_after_the_cut);
    assert_eq!(out.client, (Err(RpcError::Timeout), Ok(2)));
    assert_eq!(
        out.served.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        vec![0, 2],
        "the old request died with the connection"
    );
}
