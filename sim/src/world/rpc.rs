//! Typed RPC between nodes: a call sends a request and waits for its reply on
//! the caller's clock; a service runs one task per request on its node.
//!
//! A message's first transmission is decided when it is sent ([`super::topology`]
//! for cut links, [`crate::net`] for loss and latency); the world's carrier
//! node then holds it for its latency and delivers it. On the stream
//! transport a lost transmission is retried with TCP's backoff
//! ([`crate::net::streams`]) and segments are handed over in order.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::history::NodeId;
use crate::net::{streams, Arrival, Envelope, Handler, Payload, Rpc, Transport};

use super::{NodeCtx, RpcError, World};

impl World {
    /// Send `envelope` from `from` to `to` through the network.
    fn transmit(&self, from: NodeId, to: NodeId, envelope: Envelope) {
        let (connected, extra) = self.link(from, to);
        let (first, sent) = {
            let mut net = self.net();
            (net.route(connected), net.messages())
        };
        if sent % FORGET_TASKS_EVERY == 0 {
            forget_finished_tasks();
        }
        match self.transport() {
            Transport::Datagram => {
                let Some(latency) = first else { return };
                let world = self.clone();
                self.0.carrier.spawn(async move {
                    madsim::time::sleep(latency + extra).await;
                    world.deliver(to, envelope);
                });
            }
            Transport::Stream => self.send_segment(from, to, envelope, first.map(|latency| latency + extra)),
        }
    }

    /// Whether `from` reaches `to` now, and the extra latency of the link.
    fn link(&self, from: NodeId, to: NodeId) -> (bool, Duration) {
        let topology = self.topology();
        (topology.connected(from, to), topology.extra_latency(from, to))
    }

    /// Put `envelope` on its connection: retransmit it until it gets
    /// through (or the connection is reset), then hand it and any later
    /// segments that arrived before it to the receiver, in order.
    fn send_segment(&self, from: NodeId, to: NodeId, envelope: Envelope, first: Option<Duration>) {
        let (connection, way) = envelope.stream();
        let Some(seq) = self.net().streams().push(connection, way) else { return };
        let world = self.clone();
        self.0.carrier.spawn(async move {
            let mut latency = first;
            let mut sent_again = 0;
            while latency.is_none() {
                madsim::time::sleep(streams::retransmission_timeout(sent_again)).await;
                if !world.net().streams().alive(connection, way) {
                    return;
                }
                // The timer after the last retransmission allowed expired: reset.
                if sent_again >= world.net().streams().retries(connection) {
                    world.net().streams().reset(connection);
                    return;
                }
                sent_again += 1;
                let (connected, extra) = world.link(from, to);
                latency = world.net().retransmit(connected).map(|latency| latency + extra);
            }
            madsim::time::sleep(latency.expect("the loop ends once it got through")).await;
            let ready = world.net().streams().arrive(connection, way, seq, envelope);
            ready.into_iter().for_each(|segment| world.deliver(to, segment));
        });
    }

    fn deliver(&self, to: NodeId, envelope: Envelope) {
        match envelope {
            Envelope::Reply { call, body, .. } => {
                let waiter = self.net().take_call(call);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(body);
                }
            }
            Envelope::Request { from, call, service, body, connection } => {
                let handler = self.net().service(to, service);
                let Some(handler) = handler else {
                    return;
                };
                let arrival = Arrival { handler, body, from, call, connection };
                if self.net().enqueue(to, arrival) {
                    self.take_up_requests(to);
                }
            }
        }
    }
}

/// Every this many messages, [`forget_finished_tasks`].
const FORGET_TASKS_EVERY: u64 = 4096;

/// Let madsim free the records of tasks that have finished.
///
/// madsim keeps a weak reference to every task a node ever spawned (to wake
/// them when the node is killed) and prunes the list only when asked for its
/// task count. A run spawns a few tasks per message, so without this the
/// lists, and the task records they keep allocated, grow with every message
/// until the run ends, and killing the nodes then walks them all. Counting
/// the tasks prunes the dead ones; it touches neither the executor's queue
/// nor its random numbers, so the run is the same.
fn forget_finished_tasks() {
    madsim::runtime::Handle::current().metrics().num_tasks();
}

/// What a caller does with its connection when a call times out.
enum AfterTimeout {
    Close,
    Reset,
}

impl World {
    /// Start a task on `node` that takes up its requests in the order they
    /// arrived (a task each, so a slow one does not hold up the next). It
    /// runs on the node: paused with it, killed with it. Handlers start in
    /// arrival order, so the order a stream keeps reaches the service.
    fn take_up_requests(&self, node: NodeId) {
        let handle = madsim::runtime::Handle::current();
        let target = handle.get_node(self.madsim_id(node)).expect("every world node exists in madsim");
        let world = self.clone();
        target.spawn(async move {
            loop {
                let next = world.net().next_arrival(node);
                let Some(Arrival { handler, body, from, call, connection }) = next else { break };
                let reply = (handler.lock().expect("handler poisoned"))(body);
                let world = world.clone();
                madsim::task::spawn(async move {
                    let body = reply.await;
                    world.transmit(node, from, Envelope::Reply { call, body, connection });
                });
            }
        });
    }
}

impl NodeCtx {
    /// Send `req` to node `to` and wait for its reply for at most `timeout` of
    /// this node's clock. On a timeout the caller drops its connection, as
    /// a Redis or JDBC client does: what it had sent may still be delivered
    /// and served ([`crate::net::streams`]).
    pub async fn call<R: Rpc>(&self, to: NodeId, req: R, timeout: Duration) -> Result<R::Reply, RpcError> {
        self.call_then(to, req, timeout, AfterTimeout::Close).await
    }

    /// As [`NodeCtx::call`], but on a timeout the connection is reset: what
    /// has not reached `to` yet never will. A ZooKeeper client's session
    /// does this: once it has reconnected, the service rejects whatever its
    /// old connection still carries ("session moved").
    pub async fn call_or_reset<R: Rpc>(&self, to: NodeId, req: R, timeout: Duration) -> Result<R::Reply, RpcError> {
        self.call_then(to, req, timeout, AfterTimeout::Reset).await
    }

    async fn call_then<R: Rpc>(
        &self,
        to: NodeId,
        req: R,
        timeout: Duration,
        after: AfterTimeout,
    ) -> Result<R::Reply, RpcError> {
        let (call, reply, connection) = {
            let mut net = self.world.net();
            let (call, reply) = net.open_call(self.id);
            (call, reply, net.streams().connection(self.id, to))
        };
        let request = Envelope::Request { from: self.id, call, service: R::NAME, body: Box::new(req), connection };
        self.world.transmit(self.id, to, request);
        match self.clock.timeout(timeout, reply).await {
            Ok(Ok(body)) => Ok(*body.downcast::<R::Reply>().expect("reply has the service's reply type")),
            _ => {
                let mut net = self.world.net();
                net.forget_call(call);
                match after {
                    AfterTimeout::Close => net.streams().close(connection),
                    AfterTimeout::Reset => net.streams().reset(connection),
                }
                Err(RpcError::Timeout)
            }
        }
    }

    /// Serve requests of type `R` on this node with `handler`, one task per
    /// request. The handler runs when the request arrives (not while the node
    /// is paused) and its future's output is the reply.
    pub fn serve<R, F, Fut>(&self, mut handler: F)
    where
        R: Rpc,
        F: FnMut(R) -> Fut + Send + 'static,
        Fut: Future<Output = R::Reply> + Send + 'static,
    {
        let erased: Handler = Arc::new(Mutex::new(move |body: Payload| {
            let req = *body.downcast::<R>().expect("request has the service's type");
            let reply = handler(req);
            Box::pin(async move { Box::new(reply.await) as Payload }) as Pin<Box<dyn Future<Output = Payload> + Send>>
        }));
        self.world.net().serve(self.id, R::NAME, erased);
    }
}
