//! The coordination service's messages: client requests to a replica, watch
//! notifications back to the client, and raft messages between replicas.
//!
//! Reference: ZooKeeper's client protocol (create / delete / getChildren /
//! exists with a watch flag, pings that keep a session alive) and Raft's
//! request/response RPCs.
//!
//! Messages are Rust values (the simulated network does not serialize); only
//! log entries are bytes, because raft-rs stores them as bytes.

use std::time::Duration;

use raft::eraftpb::Message;
use sim::history::NodeId;
use sim::net::Rpc;

use crate::resource::Update;

use super::tree::{Child, SessionId, TreeError, Zxid};

/// What a client asks of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Open a session; the reply is its id.
    CreateSession {
        timeout: Duration,
    },
    /// Keep the session alive (not logged: only the leader tracks liveness).
    Ping,
    Create {
        path: String,
        ephemeral: bool,
        sequential: bool,
    },
    Delete {
        path: String,
    },
    GetChildren {
        path: String,
    },
    /// Whether `path` exists; with `watch`, a one-shot notification when it is
    /// created (if absent) or deleted (if present), as ZooKeeper's `exists`.
    Exists {
        path: String,
        watch: bool,
    },
    /// Append an operation to the agreed order (`deterministic-ordering`).
    Submit {
        op: Update,
    },
}

/// A client request, sent to the replica the client believes leads.
#[derive(Debug)]
pub struct Request {
    pub client: NodeId,
    /// `None` only for `CreateSession`.
    pub session: Option<SessionId>,
    pub op: Op,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Session(SessionId),
    Pong,
    Created {
        path: String,
        czxid: Zxid,
    },
    Deleted,
    Children(Vec<Child>),
    Exists(Option<Zxid>),
    /// The operation's place in the agreed order.
    Ordered {
        seq: u64,
    },
}

/// Why a replica did not carry a request out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceError {
    /// This replica does not lead (or has not yet caught up in its term):
    /// try `hint`, the leader it knows of, if any. The request had no effect.
    NotLeader { hint: Option<NodeId> },
    /// The session is unknown to the leader: it expired (its ephemeral nodes
    /// are gone) or never existed.
    SessionExpired,
    /// The operation was applied and failed.
    Tree(TreeError),
    /// The leader proposed the change but did not see it applied in time
    /// (it may still be): the outcome is unknown.
    NotApplied,
}

impl Rpc for Request {
    type Reply = Result<Reply, ServiceError>;
    const NAME: &'static str = "coord.request";
}

/// Replica -> client: a watch fired on `path`.
#[derive(Debug)]
pub struct WatchFired {
    pub path: String,
}

impl Rpc for WatchFired {
    type Reply = ();
    const NAME: &'static str = "coord.watch-fired";
}

/// Raft messages from one replica to another. Raft's RPCs come in request /
/// response pairs, so the messages the receiver produces for the sender
/// while handling a batch travel back in the reply (an append's response
/// rides on the append's reply, as in the Raft paper's AppendEntries RPC).
#[derive(Debug)]
pub struct RaftBatch(pub Vec<Message>);

impl Rpc for RaftBatch {
    type Reply = Vec<Message>;
    const NAME: &'static str = "coord.raft";
}
