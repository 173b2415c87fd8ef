//! `deterministic-ordering`: no lock at all. Clients submit their operation
//! ("take one unit if any") to a replicated log; the log's agreed order is
//! the order in which the protected resource applies them, one after the
//! other, so no two operations ever race.
//!
//! Reference: state machine replication (Schneider, "Implementing
//! fault-tolerant services using the state machine approach", 1990) and
//! deterministic databases that agree on an order before executing (Calvin,
//! Thomson et al. 2012). The log is the coordination service of
//! `ephemeral-sequential` (raft-rs, [`crate::coord`]).
//!
//! How it flows: the client submits through its session; the leader appends
//! a `Submit` entry; when the entry commits, every replica numbers it (the
//! n-th submitted operation is number n on every replica) and hands it to the
//! resource, which applies operations strictly in number order, each exactly
//! once (later numbers wait for earlier ones; repeats are ignored). The
//! client's operation is committed when its entry is: it will be applied in
//! that order. Simplified: operations travel as data (
//! [`crate::resource::Update`]); the client reads the value first and does
//! not submit an update with nothing to do (sold out, tick already run); operations are forwarded by every replica
//! (a few tries each) rather than pulled by the resource.
//!
//! What it costs shows as latency (a consensus round per operation) and
//! messages; losing the log's majority stops progress (unavailability), never
//! safety.
//!
//! Transport: clients and replicas talk over TCP-like connections
//! (`sim::net`), as etcd's gRPC and raft streams do.

use std::sync::Arc;

use sim::history::NodeId;
use sim::world::{NodeCtx, World};

use crate::coord::client::{CoordSession, Failure, SessionConfig};
use crate::coord::proto::{Op, Reply};
use crate::coord::{self, CoordConfig};
use crate::lock::{Client, Connector, Deployment, Design};
use crate::operator::{GuardedOp, Operated, Operator, OperatorFuture};
use crate::params::{ParamReader, ParamSpec};
use crate::resource::ResourceClient;

pub struct OrderingDesign;

const PARAMS: &[ParamSpec] = coord::params_with![];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderingConfig {
    pub coord: CoordConfig,
    pub session: SessionConfig,
}

impl Design for OrderingDesign {
    fn name(&self) -> &'static str {
        "deterministic-ordering"
    }

    fn summary(&self) -> &'static str {
        "no lock: operations appended to a raft log and applied to the resource in that agreed order; the resource computes each decrement itself, so no stale read can be written back: safe by construction (compare its cost, not its safety)"
    }

    fn params(&self) -> &'static [ParamSpec] {
        PARAMS
    }

    fn is_lock(&self) -> bool {
        false
    }

    fn configure(&self, p: &ParamReader) -> Result<Arc<dyn Deployment>, String> {
        let (coord, session) = coord::read_params(self.name(), p)?;
        Ok(Arc::new(OrderingConfig { coord, session }))
    }
}

impl Deployment for OrderingConfig {
    fn deploy(&self, world: &World) -> Arc<dyn Connector> {
        Arc::new(OrderingConnector { replicas: coord::deploy(world, self.coord), config: *self })
    }
}

struct OrderingConnector {
    replicas: Arc<[NodeId]>,
    config: OrderingConfig,
}

impl Connector for OrderingConnector {
    fn connect(&self, ctx: &NodeCtx, resource: NodeId, _lock: &str) -> Client {
        Client::Operator(Box::new(OrderingClient {
            ctx: ctx.clone(),
            session: CoordSession::start(ctx, self.replicas.clone(), self.config.session),
            resource: ResourceClient::new(ctx.clone(), resource, self.config.session.op_timeout),
        }))
    }
}

struct OrderingClient {
    ctx: NodeCtx,
    session: CoordSession,
    resource: ResourceClient,
}

impl OrderingClient {
    async fn submit(&mut self, op: GuardedOp) -> Operated {
        // Nothing to do (sold out, tick run)? A hint only: the resource decides, in order.
        match self.resource.read().await {
            Ok((value, _)) if op.update.apply(value).is_none() => return Operated::Declined,
            Ok(_) => {}
            Err(_) => return Operated::GaveUp,
        }
        self.ctx.sleep(op.compute).await;
        if self.session.ensure().await.is_err() {
            return Operated::GaveUp;
        }
        // A lost reply may hide an appended entry: do not submit it twice.
        match self.session.request_once(Op::Submit { op: op.update }).await {
            Ok(Reply::Ordered { .. }) => Operated::Committed,
            Ok(other) => unreachable!("a submit is answered with its order, not {other:?}"),
            Err(Failure::Unknown) => Operated::Unknown,
            Err(Failure::Expired | Failure::Unavailable | Failure::Tree(_)) => Operated::GaveUp,
        }
    }
}

impl Operator for OrderingClient {
    fn run(&mut self, op: GuardedOp) -> OperatorFuture<'_, Operated> {
        Box::pin(self.submit(op))
    }
}
