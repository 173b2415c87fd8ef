//! Typed RPC between nodes: a call sends a request and waits for its reply on
//! the caller's clock; a service runs one task per request on its node.
//!
//! A message's route is decided when it is sent ([`super::topology`] for cut
//! links, [`crate::net`] for loss and latency); the world's carrier node then
//! holds it for its latency and delivers it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::history::NodeId;
use crate::net::{Envelope, Handler, Payload, Rpc};

use super::{NodeCtx, RpcError, World};

impl World {
    /// Send `envelope` from `from` to `to` through the network.
    fn transmit(&self, from: NodeId, to: NodeId, envelope: Envelope) {
        let (connected, extra) = {
            let topology = self.topology();
            (topology.connected(from, to), topology.extra_latency(from, to))
        };
        let route = self.net().route(connected);
        let Some(latency) = route else {
            return;
        };
        let latency = latency + extra;
        let world = self.clone();
        self.0.carrier.spawn(async move {
            madsim::time::sleep(latency).await;
            world.deliver(to, envelope);
        });
    }

    fn deliver(&self, to: NodeId, envelope: Envelope) {
        match envelope {
            Envelope::Reply { call, body } => {
                let waiter = self.net().take_call(call);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(body);
                }
            }
            Envelope::Request { from, call, service, body } => {
                let handler = self.net().service(to, service);
                let Some(handler) = handler else {
                    return;
                };
                let node = madsim::runtime::Handle::current()
                    .get_node(self.madsim_id(to))
                    .expect("every world node exists in madsim");
                let world = self.clone();
                // The handler runs on the destination node: paused with it, killed with it.
                node.spawn(async move {
                    let reply = (handler.lock().expect("handler poisoned"))(body);
                    let body = reply.await;
                    world.transmit(to, from, Envelope::Reply { call, body });
                });
            }
        }
    }
}

impl NodeCtx {
    /// Send `req` to node `to` and wait for its reply for at most `timeout` of
    /// this node's clock.
    pub async fn call<R: Rpc>(&self, to: NodeId, req: R, timeout: Duration) -> Result<R::Reply, RpcError> {
        let (call, reply) = self.world.net().open_call(self.id);
        let request = Envelope::Request { from: self.id, call, service: R::NAME, body: Box::new(req) };
        self.world.transmit(self.id, to, request);
        match self.clock.timeout(timeout, reply).await {
            Ok(Ok(body)) => Ok(*body.downcast::<R::Reply>().expect("reply has the service's reply type")),
            _ => {
                self.world.net().forget_call(call);
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
