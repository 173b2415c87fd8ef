//! The world's promises, each checked in a small simulated world.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sim::clock::{ClockSettings, ClockSpread};
use sim::fault::{self, Fault, FaultPlan, Peers, Target, TimedFault};
use sim::history::{EventKind, NodeId, Role};
use sim::net::{NetworkSettings, Rpc};
use sim::runner::run_seed;
use sim::time::SimTime;
use sim::world::{Cut, Effect, NodeCtx, RpcError, World};

struct Echo(u64);

impl Rpc for Echo {
    type Reply = u64;
    const NAME: &'static str = "test.echo";
}

fn echo_server(world: &World) -> NodeId {
    world.add_node("server", Role::Server, ClockSettings::default(), |ctx: NodeCtx| async move {
        ctx.serve(|Echo(n)| std::future::ready(n));
        std::future::pending::<()>().await
    })
}

/// Run `client` on a client node next to an echo server for `secs` simulated
/// seconds, with `plan` injected; return what the client reported.
fn with_client<T: Send + 'static>(
    secs: u64,
    plan: FaultPlan,
    client: impl Fn(NodeCtx, NodeId) -> LocalFuture<T> + Send + Sync + 'static,
) -> Vec<T> {
    run_seed(7, Duration::from_secs(3600), move || async move {
        let world = World::new(7, NetworkSettings::default(), ClockSpread::NONE);
        let server = echo_server(&world);
        let out: Arc<Mutex<Vec<T>>> = Arc::default();
        let sink = out.clone();
        let client = Arc::new(client);
        world.add_node("client", Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
            let (sink, client) = (sink.clone(), client.clone());
            async move {
                let value = client(ctx, server).await;
                sink.lock().unwrap().push(value);
            }
        });
        fault::inject(&world, &plan);
        madsim::time::sleep(Duration::from_secs(secs)).await;
        let values = std::mem::take(&mut *out.lock().unwrap());
        values
    })
    .unwrap()
}

type LocalFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

#[test]
fn a_call_takes_two_drawn_latencies_and_nothing_more() {
    let rtts = with_client(1, FaultPlan::default(), |ctx, server| {
        Box::pin(async move {
            let mut rtts = Vec::new();
            for i in 0..50 {
                let t0 = SimTime::now();
                assert_eq!(ctx.call(server, Echo(i), Duration::from_secs(1)).await, Ok(i));
                rtts.push(SimTime::now().since(t0));
            }
            rtts
        })
    });
    let (min, max) = (NetworkSettings::default().latency_min, NetworkSettings::default().latency_max);
    for rtt in &rtts[0] {
        // madsim adds 50 ns to each timer it fires.
        assert!(*rtt >= min * 2 && *rtt <= max * 2 + Duration::from_micros(1), "round trip {rtt:?}");
    }
}

#[test]
fn a_cut_link_times_out_and_heals() {
    let plan = FaultPlan::new(vec![TimedFault {
        when: None,
        at: Duration::from_millis(100),
        fault: Fault::isolate(vec![Target::Node("server".into())], Peers::All, Duration::from_secs(1)),
    }]);
    let results = with_client(3, plan, |ctx, server| {
        Box::pin(async move {
            ctx.sleep(Duration::from_millis(500)).await;
            let during = ctx.call(server, Echo(1), Duration::from_millis(200)).await;
            ctx.sleep(Duration::from_secs(1)).await;
            let after = ctx.call(server, Echo(2), Duration::from_millis(200)).await;
            (during, after)
        })
    });
    assert_eq!(results, vec![(Err(RpcError::Timeout), Ok(2))]);
}

#[test]
fn a_paused_server_answers_only_after_it_resumes() {
    let plan = FaultPlan::new(vec![TimedFault {
        when: None,
        at: Duration::from_millis(100),
        fault: Fault::Pause { target: Target::Node("server".into()), duration: Duration::from_secs(2) },
    }]);
    let replies = with_client(5, plan, |ctx, server| {
        Box::pin(async move {
            ctx.sleep(Duration::from_millis(200)).await;
            let reply = ctx.call(server, Echo(9), Duration::from_secs(10)).await;
            (reply, SimTime::now())
        })
    });
    let (reply, at) = replies[0];
    assert_eq!(reply, Ok(9));
    assert!(at >= SimTime::from_duration(Duration::from_millis(2100)), "answered at {at}");
    assert!(at <= SimTime::from_duration(Duration::from_millis(2110)), "answered at {at}");
}

#[test]
fn a_reply_waiting_for_a_paused_client_is_seen_when_it_resumes() {
    // The client is paused while the reply is in flight; on resume the reply is
    // there, even though the call's timeout has also passed (a pause is not a timeout).
    let plan = FaultPlan::new(vec![TimedFault {
        when: None,
        at: Duration::from_millis(1),
        fault: Fault::Pause { target: Target::Node("client".into()), duration: Duration::from_secs(1) },
    }]);
    let replies = with_client(3, plan, |ctx, server| {
        Box::pin(async move { ctx.call(server, Echo(3), Duration::from_millis(100)).await })
    });
    assert_eq!(replies, vec![Ok(3)]);
}

#[test]
fn durable_state_survives_a_crash_that_keeps_it_and_not_one_that_loses_it() {
    for (durable, expected) in [(true, vec![1, 2]), (false, vec![1, 1])] {
        let seen = run_seed(1, Duration::from_secs(3600), move || async move {
            let world = World::new(1, NetworkSettings::default(), ClockSpread::NONE);
            let seen: Arc<Mutex<Vec<u32>>> = Arc::default();
            let sink = seen.clone();
            world.add_node("n", Role::Server, ClockSettings::default(), move |ctx: NodeCtx| {
                let sink = sink.clone();
                async move {
                    let counter = ctx.durable(|| Mutex::new(0u32));
                    let mut c = counter.lock().unwrap();
                    *c += 1;
                    sink.lock().unwrap().push(*c);
                }
            });
            let plan = FaultPlan::new(vec![TimedFault {
                when: None,
                at: Duration::from_secs(1),
                fault: Fault::Crash {
                    target: Target::Node("n".into()),
                    restart_after: Some(Duration::from_secs(1)),
                    durable,
                },
            }]);
            fault::inject(&world, &plan);
            madsim::time::sleep(Duration::from_secs(3)).await;
            let history = world.finish().await;
            let crash_events = history.events.iter().filter(|e| matches!(e.kind, EventKind::Fault { .. })).count();
            assert_eq!(crash_events, 2, "crash and restart are recorded");
            let seen = seen.lock().unwrap().clone();
            seen
        })
        .unwrap();
        assert_eq!(seen, expected, "durable: {durable}");
    }
}

#[test]
fn a_fast_clock_sleeps_less_global_time_and_a_jump_moves_only_the_wall_clock() {
    let (slept, mono, wall) = run_seed(3, Duration::from_secs(3600), || async {
        let world = World::new(3, NetworkSettings::default(), ClockSpread::NONE);
        let out: Arc<Mutex<Option<(Duration, Duration, i64)>>> = Arc::default();
        let sink = out.clone();
        let fast = ClockSettings { offset_ns: 0, drift_ppm: 100_000 }; // 10% fast
        world.add_node("n", Role::Client, fast, move |ctx: NodeCtx| {
            let sink = sink.clone();
            async move {
                let t0 = SimTime::now();
                ctx.sleep(Duration::from_secs(11)).await;
                let slept = SimTime::now().since(t0);
                ctx.clock().jump(-5_000_000_000);
                *sink.lock().unwrap() = Some((slept, ctx.clock().monotonic(), ctx.clock().wall()));
            }
        });
        madsim::time::sleep(Duration::from_secs(20)).await;
        let result = out.lock().unwrap().take();
        result.unwrap()
    })
    .unwrap();
    // 11 local seconds at +10% take 10 global seconds.
    assert!(slept >= Duration::from_secs(10) && slept < Duration::from_millis(10_002), "slept {slept:?}");
    assert!(mono >= Duration::from_secs(11));
    assert_eq!(wall, mono.as_nanos() as i64 - 5_000_000_000);
}

/// A client that calls the echo server every 100 ms; the times of the answered calls.
fn answered_calls(plan: FaultPlan, heal_at: Duration, secs: u64) -> (Vec<SimTime>, Vec<EventKind>) {
    run_seed(11, Duration::from_secs(3600), move || async move {
        let world = World::new(11, NetworkSettings::default(), ClockSpread::NONE);
        let server = echo_server(&world);
        let answered: Arc<Mutex<Vec<SimTime>>> = Arc::default();
        let sink = answered.clone();
        world.add_node("client", Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
            let sink = sink.clone();
            async move {
                for i in 0.. {
                    if ctx.call(server, Echo(i), Duration::from_millis(50)).await.is_ok() {
                        sink.lock().unwrap().push(SimTime::now());
                    }
                    ctx.sleep(Duration::from_millis(100)).await;
                }
            }
        });
        fault::inject(&world, &plan);
        madsim::time::sleep(heal_at).await;
        world.heal(NetworkSettings::default());
        madsim::time::sleep(Duration::from_secs(secs) - heal_at).await;
        let kinds = world.finish().await.events.into_iter().map(|e| e.kind).collect();
        let times = std::mem::take(&mut *answered.lock().unwrap());
        (times, kinds)
    })
    .unwrap()
}

#[test]
fn healing_ends_every_fault_and_pending_fault_actions_then_do_nothing() {
    let at = |ms: u64, fault: Fault| TimedFault { when: None, at: Duration::from_millis(ms), fault };
    let server = || Target::Node("server".into());
    let long = Duration::from_secs(100);
    let plans = [
        // A pause that outlasts the fault phase, nested in another.
        vec![
            at(1_000, Fault::Pause { target: server(), duration: long }),
            at(1_500, Fault::Pause { target: server(), duration: Duration::from_secs(5) }),
        ],
        // A crash that never restarts by itself.
        vec![at(1_000, Fault::Crash { target: server(), restart_after: None, durable: true })],
        // A partition longer than the run.
        vec![at(1_000, Fault::isolate(vec![server()], Peers::All, long))],
    ];
    for faults in plans {
        let (answered, kinds) = answered_calls(FaultPlan::new(faults.clone()), Duration::from_secs(3), 10);
        let secs = |t: &SimTime| t.as_duration().as_secs_f64();
        assert!(answered.iter().any(|t| secs(t) < 1.0), "{faults:?}: answered before the fault");
        assert!(!answered.iter().any(|t| (1.1..3.0).contains(&secs(t))), "{faults:?}: answered during the fault");
        // After healing the server answers again, and keeps answering (the
        // pending resume / heal of the faults changes nothing).
        let after: Vec<_> = answered.iter().filter(|t| secs(t) >= 3.0).collect();
        assert!(after.len() >= 60, "{faults:?}: only {} answers after healing", after.len());
        assert_eq!(kinds.iter().filter(|k| matches!(k, EventKind::Heal)).count(), 1);
    }
}

/// One call from a client at 20 ms to an echo server over a 10 ms network,
/// with `cut(client, server)` applied at `cut_at`: (requests the server
/// served, the call's result).
fn one_call_under_cut(cut: fn(NodeId, NodeId) -> Cut, cut_at: Duration) -> (u32, Result<u64, RpcError>) {
    run_seed(5, Duration::from_secs(3600), move || async move {
        let ten_ms = Duration::from_millis(10);
        let world =
            World::new(5, NetworkSettings { loss: 0.0, latency_min: ten_ms, latency_max: ten_ms }, ClockSpread::NONE);
        let served = Arc::new(AtomicU32::new(0));
        let counter = served.clone();
        let server = world.add_node("server", Role::Server, ClockSettings::default(), move |ctx: NodeCtx| {
            let counter = counter.clone();
            async move {
                ctx.serve(move |Echo(n)| {
                    counter.fetch_add(1, Ordering::Relaxed);
                    std::future::ready(n)
                });
                std::future::pending::<()>().await
            }
        });
        let result: Arc<Mutex<Option<Result<u64, RpcError>>>> = Arc::default();
        let sink = result.clone();
        let client = world.add_node("client", Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
            let sink = sink.clone();
            async move {
                ctx.sleep(Duration::from_millis(20)).await;
                let reply = ctx.call(server, Echo(1), Duration::from_millis(100)).await;
                *sink.lock().unwrap() = Some(reply);
            }
        });
        let injector = world.clone();
        world.spawn(async move {
            madsim::time::sleep(cut_at).await;
            injector.apply_fault([Effect::Cut(cut(client, server))]);
        });
        madsim::time::sleep(Duration::from_secs(1)).await;
        let outcome = (served.load(Ordering::Relaxed), result.lock().unwrap().take().expect("the call ended"));
        outcome
    })
    .unwrap()
}

#[test]
fn a_one_way_cut_stops_only_its_direction() {
    let ms = Duration::from_millis;
    // Requests cut: never served.
    assert_eq!(one_call_under_cut(Cut::link, ms(5)), (0, Err(RpcError::Timeout)));
    // Replies cut: served, but the answer never comes back.
    assert_eq!(one_call_under_cut(|client, server| Cut::link(server, client), ms(5)), (1, Err(RpcError::Timeout)));
}

#[test]
fn a_message_in_flight_when_a_cut_starts_is_delivered() {
    let ms = Duration::from_millis;
    // The request left at 20 ms and arrives at 30 ms; the reply is sent into the cut.
    assert_eq!(one_call_under_cut(Cut::both_ways, ms(25)), (1, Err(RpcError::Timeout)));
    // The reply left at 30 ms and arrives at 40 ms.
    assert_eq!(one_call_under_cut(Cut::both_ways, ms(35)), (1, Ok(1)));
}

#[test]
fn healing_plays_the_inverse_of_every_active_fault_and_their_ends_then_do_nothing() {
    let (during, after, ended) = run_seed(13, Duration::from_secs(3600), || async {
        let world = World::new(13, NetworkSettings::default(), ClockSpread::NONE);
        let server = echo_server(&world);
        let outcomes: Arc<Mutex<Vec<Result<u64, RpcError>>>> = Arc::default();
        let sink = outcomes.clone();
        world.add_node("client", Role::Client, ClockSettings::default(), move |ctx: NodeCtx| {
            let sink = sink.clone();
            async move {
                for i in 0..2 {
                    ctx.sleep(Duration::from_secs(1)).await;
                    let reply = ctx.call(server, Echo(i), Duration::from_millis(100)).await;
                    sink.lock().unwrap().push(reply);
                }
            }
        });
        madsim::time::sleep(Duration::from_millis(500)).await;
        let client = world.node_id("client").unwrap();
        let paused = world.apply_fault([Effect::Pause(server), Effect::Pause(server)]);
        let cut = world.apply_fault([Effect::Cut(Cut::link(client, server))]);
        madsim::time::sleep(Duration::from_millis(1_500)).await;
        world.heal(NetworkSettings::default());
        let ended = (world.end_fault(paused), world.end_fault(cut));
        madsim::time::sleep(Duration::from_secs(1)).await;
        let outcomes = outcomes.lock().unwrap().clone();
        (outcomes[0], outcomes[1], ended)
    })
    .unwrap();
    assert_eq!(during, Err(RpcError::Timeout));
    assert_eq!(after, Ok(1));
    assert_eq!(ended, (None, None), "healing already ended both faults");
}

#[test]
fn a_triggered_fault_waits_for_the_first_mark_after_it_is_armed_then_its_delay() {
    // The client marks "x" at 0.5 s (before the fault is armed) and at 3 s;
    // the fault, armed at 1 s, pauses whoever marked 100 ms after the mark.
    let trigger = fault::Trigger { mark: "x".into(), by: None, delay: Duration::from_millis(100) };
    let pause = Fault::Pause { target: Target::Triggering, duration: Duration::from_secs(1) };
    let plan = FaultPlan::new(vec![TimedFault::when(Duration::from_secs(1), trigger, pause)]);
    plan.validate().unwrap();
    let woke = with_client(10, plan, |ctx, _| {
        Box::pin(async move {
            for at in [500, 3_000] {
                madsim::time::sleep(Duration::from_millis(at) - SimTime::now().as_duration()).await;
                ctx.mark("x");
            }
            // Paused from 3.1 s to 4.1 s: this sleep, due at 3.2 s, ends when the pause does.
            madsim::time::sleep(Duration::from_millis(200)).await;
            SimTime::now()
        })
    });
    let (resumed, late) = (SimTime::from_duration(Duration::from_millis(4_100)), Duration::from_millis(1));
    assert!(woke[0] >= resumed && woke[0] <= resumed + late, "woke at {}", woke[0]);
}

#[test]
fn a_fault_aimed_at_the_triggering_node_needs_a_trigger() {
    let pause = Fault::Pause { target: Target::Triggering, duration: Duration::from_secs(1) };
    let err = FaultPlan::new(vec![TimedFault::at(Duration::from_secs(1), pause)]).validate().unwrap_err();
    assert!(err.contains("has no trigger"), "{err}");
}

/// The starting (offset, drift) of each named node, in a world whose clocks
/// start `spread` apart.
fn starting_clocks(seed: u64, spread: ClockSpread, names: &'static [&'static str]) -> Vec<(String, i64, i64)> {
    run_seed(seed, Duration::from_secs(60), move || async move {
        let world = World::new(seed, NetworkSettings::default(), spread);
        let ids: Vec<NodeId> = names
            .iter()
            .map(|name| world.add_node(name, Role::Client, ClockSettings::default(), |_| std::future::pending()))
            .collect();
        // At global time zero a clock's wall reading is its offset.
        let mut out = vec![("world".to_string(), world.clock(NodeId(0)).wall(), world.clock(NodeId(0)).drift_ppm())];
        out.extend(ids.iter().map(|&id| (world.node_name(id), world.clock(id).wall(), world.clock(id).drift_ppm())));
        world.finish().await;
        out
    })
    .unwrap()
}

#[test]
fn each_node_draws_its_own_clock_by_name_and_the_world_node_keeps_a_perfect_one() {
    let spread = ClockSpread::default();
    let two = starting_clocks(5, spread, &["server", "client-1"]);
    let three = starting_clocks(5, spread, &["server", "client-0", "client-1"]);
    assert_eq!(two[0], ("world".to_string(), 0, 0));
    assert_eq!(three[0], two[0]);
    // Adding a node changes no other node's clock.
    assert_eq!(two[1], three[1]);
    assert_eq!(two[2], three[3]);
    assert_ne!(two[1].1, two[2].1, "two nodes drew the same offset");
    for (name, offset, drift) in &three[1..] {
        assert!(offset.abs() <= 10_000_000 && drift.abs() <= 15, "{name}: {offset} ns, {drift} ppm");
    }
    assert_ne!(starting_clocks(6, spread, &["server"])[1], two[1], "the seed selects the draw");
    let perfect = starting_clocks(5, ClockSpread::NONE, &["server", "client-1"]);
    assert!(perfect.iter().all(|(_, offset, drift)| (*offset, *drift) == (0, 0)), "{perfect:?}");
}

/// Strobe `node:n`'s wall clock by +3 s every 200 ms for 1 s from t = 1 s,
/// healing at `heal_at`: (wall minus monotonic every 50 ms up to 3 s, the
/// strobe's events).
fn strobe(heal_at: Duration) -> (Vec<(u64, i64)>, Vec<EventKind>) {
    run_seed(17, Duration::from_secs(3600), move || async move {
        let world = World::new(17, NetworkSettings::default(), ClockSpread::NONE);
        let n = world.add_node("n", Role::Client, ClockSettings::default(), |_| std::future::pending());
        let fault = Fault::ClockStrobe {
            target: Target::Node("n".into()),
            delta_ns: 3_000_000_000,
            period: Duration::from_millis(200),
            duration: Duration::from_secs(1),
        };
        fault::inject(&world, &FaultPlan::new(vec![TimedFault::at(Duration::from_secs(1), fault)]));
        let mut offsets = Vec::new();
        // Sample between the steps (they come at whole multiples of 200 ms).
        madsim::time::sleep(Duration::from_millis(25)).await;
        for _ in 0..60 {
            let now = SimTime::now();
            if now.as_duration() > heal_at && !world.healed() {
                world.heal(NetworkSettings::default());
            }
            let clock = world.clock(n);
            offsets.push((now.as_duration().as_millis() as u64, clock.wall() - clock.monotonic().as_nanos() as i64));
            madsim::time::sleep(Duration::from_millis(50)).await;
        }
        let kinds = world.finish().await.events.into_iter().map(|e| e.kind).collect();
        (offsets, kinds)
    })
    .unwrap()
}

#[test]
fn a_strobe_alternates_the_wall_clock_and_ends_where_it_started() {
    let (offsets, kinds) = strobe(Duration::from_secs(3600));
    for &(ms, offset) in &offsets {
        // Five periods fit in the strobe's second: four steps (an even
        // number), so away during the 1st and 3rd period, back otherwise.
        let away = (1_000..1_600).contains(&ms) && (ms - 1_000) / 200 % 2 == 0;
        assert_eq!(offset, if away { 3_000_000_000 } else { 0 }, "at {ms} ms: {offsets:?}");
    }
    let strobes: Vec<_> = kinds
        .iter()
        .filter_map(|k| match k {
            EventKind::Fault { kind: sim::history::FaultKind::ClockStrobe, phase, detail } => {
                Some((*phase, detail.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(strobes.len(), 2, "one start and one end: {strobes:?}");
    assert_eq!(strobes[0].1, "n wall clock strobes between +0s and +3.000s every 0.200s for 1.000s");
}

#[test]
fn healing_mid_strobe_stops_it_with_the_clock_back_where_it_started() {
    // Heal at 1.1 s, while the clock is stepped away (1.0-1.2 s).
    let (offsets, kinds) = strobe(Duration::from_millis(1_100));
    for &(ms, offset) in &offsets {
        let expected = if (1_000..1_100).contains(&ms) { 3_000_000_000 } else { 0 };
        assert_eq!(offset, expected, "at {ms} ms: {offsets:?}");
    }
    let ends =
        kinds.iter().filter(|k| matches!(k, EventKind::Fault { phase: sim::history::FaultPhase::End, .. })).count();
    assert_eq!(ends, 0, "a healed strobe records no end of its own");
}

#[test]
fn a_backward_jump_beyond_the_clocks_age_is_refused() {
    let jump = |at_ms: u64, delta_ns: i64| {
        let fault = Fault::ClockJump { target: Target::Holder, delta_ns };
        FaultPlan::new(vec![TimedFault::at(Duration::from_millis(at_ms), fault)]).validate()
    };
    assert!(jump(5_000, -5_000_000_000).is_ok());
    assert!(jump(5_000, 60_000_000_000).is_ok());
    assert_eq!(
        jump(5_000, -5_000_000_001).unwrap_err(),
        "fault 0: delta_ns steps the clock back 5.000s, more than its age at the fault's start (5.000s)"
    );
    assert!(jump(0, i64::MIN).is_err());
    let strobe = |delta_ns: i64, period: Duration| {
        let fault = Fault::ClockStrobe { target: Target::Holder, delta_ns, period, duration: Duration::from_secs(1) };
        FaultPlan::new(vec![TimedFault::at(Duration::from_secs(1), fault)]).validate()
    };
    assert!(strobe(-1_000_000_000, Duration::from_millis(10)).is_ok());
    assert!(strobe(-1_000_000_001, Duration::from_millis(10)).is_err());
    assert!(strobe(1, Duration::ZERO).unwrap_err().contains("period"));
}

#[test]
fn a_history_past_its_limit_stops_the_run_with_a_message_saying_so() {
    let stopped = run_seed(3, Duration::from_secs(60), || async {
        let world = World::new(3, NetworkSettings::default(), ClockSpread::NONE);
        world.limit_events(100);
        for i in 0..200 {
            world.record(NodeId(0), EventKind::Note { detail: format!("event {i}") });
        }
    })
    .unwrap_err();
    assert!(stopped.is_history_limit(), "{stopped}");
    assert!(stopped.message.contains("the history passed 100 events"), "{stopped}");
    let other = run_seed(3, Duration::from_secs(60), || async { panic!("a bug") }).unwrap_err();
    assert!(!other.is_history_limit());
}
