//! TCP-like connections: one ordered, reliable stream each way, where a lost
//! segment is retransmitted (a delay), not a lost request.
//!
//! Reference: Linux's TCP, as a client of Redis, PostgreSQL or ZooKeeper
//! meets it. A segment that is lost (or meets a cut link) is sent again after
//! the retransmission timeout, which starts at `TCP_RTO_MIN` (200 ms; a LAN's
//! round trip is far below it, and the tail-loss probe of a lone segment
//! waits as long) and doubles up to `TCP_RTO_MAX` (120 s). After
//! `tcp_retries2` (15) retransmissions the connection is reset: about 15
//! minutes, longer than any run, so a cut link delays a request until it
//! heals rather than dropping it. The receiver hands segments to the
//! application in the order they were sent.
//!
//! Who opens and closes a connection: a caller uses one connection per
//! server and keeps it until a call on it times out; then it closes it, as
//! redis-py, Jedis and the JDBC drivers discard a connection after a socket
//! timeout (a late reply would be read as the next command's) and the
//! ZooKeeper client reconnects after its read timeout. Its next call opens a
//! new connection. What it had written to the old one is still delivered
//! (the kernel keeps sending a closed socket's data), so a timed-out request
//! may still be served later, in order; the replies on it are dropped (the
//! socket is gone). The kernel gives such an orphaned socket
//! `tcp_orphan_retries` (8, about 100 s of backoff) rather than 15: a cut
//! longer than that drops what the closed connection still carried. A
//! crash resets every connection of the node, both ways.
//!
//! Connecting: a connection is established once its first segment gets
//! through (the handshake is folded into it). A caller that closes a
//! connection that never got that far aborts it: its requests are dropped,
//! never delivered, as a client library writes a request only after
//! `connect()` returns, and a socket closed while connecting sends nothing.
//! So a partition delays only what was written on an established
//! connection, not the request of every reconnection attempt made during
//! it (which, delivered after the heal, would be stale requests nobody
//! waits for).
//!
//! Simplified: the handshake is retransmitted on the data's schedule (Linux
//! retries a SYN after 1 s, not 200 ms); all calls of one node
//! to one server share the connection (as ZooKeeper's and etcd's clients
//! multiplex theirs), so a timeout on one drops the replies of the others;
//! segments are retransmitted one by one (no congestion window, no
//! cumulative ACKs; an ACK is never lost).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::history::NodeId;

/// Linux's `TCP_RTO_MIN`: the first retransmission timeout on a fast network.
pub const RTO_MIN: Duration = Duration::from_millis(200);
/// Linux's `TCP_RTO_MAX`: the backoff's cap.
pub const RTO_MAX: Duration = Duration::from_secs(120);
/// Linux's `tcp_retries2` default: retransmissions before the connection is reset.
pub const RETRIES: u32 = 15;
/// Linux's `tcp_orphan_retries` default (0, which the kernel reads as 8):
/// retransmissions before a socket its application closed is given up.
pub const ORPHAN_RETRIES: u32 = 8;

/// The wait before retransmission number `sent_again + 1`: exponential backoff.
pub fn retransmission_timeout(sent_again: u32) -> Duration {
    RTO_MIN.saturating_mul(1u32 << sent_again.min(20)).min(RTO_MAX)
}

/// A connection's number (unique within the run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Connection(pub u64);

/// Which way a segment travels on its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Way {
    /// From the caller that opened it to the server.
    Request,
    /// Back to the caller.
    Reply,
}

/// One direction of one connection.
struct Stream<T> {
    /// Segments sent so far (the next one's sequence number).
    sent: u64,
    /// Segments handed to the application so far.
    delivered: u64,
    /// Segments that arrived before an earlier one, by sequence number.
    early: BTreeMap<u64, T>,
}

impl<T> Default for Stream<T> {
    fn default() -> Self {
        Stream { sent: 0, delivered: 0, early: BTreeMap::new() }
    }
}

struct Ends {
    caller: NodeId,
    server: NodeId,
    /// The caller closed it: requests still drain, replies are dropped.
    closed: bool,
    /// A segment got through: the handshake completed.
    established: bool,
}

/// Every open connection, and its streams' sequence numbers and early
/// arrivals. `T` is what a segment carries.
pub(crate) struct Streams<T> {
    next: u64,
    open: BTreeMap<(NodeId, NodeId), Connection>,
    ends: BTreeMap<Connection, Ends>,
    streams: BTreeMap<(Connection, Way), Stream<T>>,
}

impl<T> Default for Streams<T> {
    fn default() -> Self {
        Streams { next: 0, open: BTreeMap::new(), ends: BTreeMap::new(), streams: BTreeMap::new() }
    }
}

impl<T> Streams<T> {
    /// The connection `caller` uses to reach `server`, opened if it has none.
    pub fn connection(&mut self, caller: NodeId, server: NodeId) -> Connection {
        if let Some(&connection) = self.open.get(&(caller, server)) {
            return connection;
        }
        let connection = Connection(self.next);
        self.next += 1;
        self.open.insert((caller, server), connection);
        self.ends.insert(connection, Ends { caller, server, closed: false, established: false });
        self.streams.insert((connection, Way::Request), Stream::default());
        self.streams.insert((connection, Way::Reply), Stream::default());
        connection
    }

    /// The caller gave up on `connection` (a call on it timed out): its
    /// next call opens a new one. Requests already sent on an established
    /// connection still drain; a connection still connecting is aborted.
    /// A connection already gone (reset, or closed by another call) stays
    /// gone, and the one that replaced it is untouched: only the socket the
    /// call used is closed.
    pub fn close(&mut self, connection: Connection) {
        let Some(ends) = self.ends.get_mut(&connection) else { return };
        if ends.closed {
            return;
        }
        if !ends.established {
            return self.reset(connection);
        }
        ends.closed = true;
        let (caller, server) = (ends.caller, ends.server);
        self.unlink(caller, server, connection);
        self.streams.remove(&(connection, Way::Reply));
        self.forget_if_drained(connection);
    }

    /// Retransmissions of one segment before the connection is reset:
    /// `tcp_retries2` while the caller holds it, `tcp_orphan_retries` once
    /// it closed it (an orphaned socket).
    pub fn retries(&self, connection: Connection) -> u32 {
        match self.ends.get(&connection) {
            Some(ends) if ends.closed => ORPHAN_RETRIES,
            _ => RETRIES,
        }
    }

    /// Reset every connection `node` has, either way (it crashed).
    pub fn reset_node(&mut self, node: NodeId) {
        let gone: Vec<Connection> =
            self.ends.iter().filter(|(_, e)| e.caller == node || e.server == node).map(|(c, _)| *c).collect();
        gone.into_iter().for_each(|c| self.reset(c));
    }

    /// Drop the connection and everything still on it.
    pub fn reset(&mut self, connection: Connection) {
        if let Some(ends) = self.ends.remove(&connection) {
            self.unlink(ends.caller, ends.server, connection);
        }
        self.streams.remove(&(connection, Way::Request));
        self.streams.remove(&(connection, Way::Reply));
    }

    /// `connection` is no longer the one `caller` uses for `server` (a
    /// newer one that replaced it stays).
    fn unlink(&mut self, caller: NodeId, server: NodeId, connection: Connection) {
        if self.open.get(&(caller, server)) == Some(&connection) {
            self.open.remove(&(caller, server));
        }
    }

    /// Sequence number for a new segment, or `None` if that stream is gone
    /// (the connection was reset, or its caller closed it and this is a reply).
    pub fn push(&mut self, connection: Connection, way: Way) -> Option<u64> {
        let stream = self.streams.get_mut(&(connection, way))?;
        stream.sent += 1;
        Some(stream.sent - 1)
    }

    /// Whether a segment on this stream is still worth retransmitting.
    pub fn alive(&self, connection: Connection, way: Way) -> bool {
        self.streams.contains_key(&(connection, way))
    }

    /// Segment `seq` arrived: the segments now deliverable, in order (none
    /// if an earlier one is still missing, or the stream is gone).
    pub fn arrive(&mut self, connection: Connection, way: Way, seq: u64, segment: T) -> Vec<T> {
        let Some(stream) = self.streams.get_mut(&(connection, way)) else { return Vec::new() };
        let mut ready = Vec::new();
        if seq == stream.delivered {
            // The next one in order (nearly always): hand it over without
            // parking it among the early ones first.
            stream.delivered += 1;
            ready.push(segment);
        } else {
            stream.early.insert(seq, segment);
        }
        let closed = self.ends.get_mut(&connection).is_some_and(|ends| {
            ends.established = true;
            ends.closed
        });
        while let Some(segment) = stream.early.remove(&stream.delivered) {
            stream.delivered += 1;
            ready.push(segment);
        }
        if closed {
            self.forget_if_drained(connection);
        }
        ready
    }

    /// A closed connection whose requests have all arrived is forgotten.
    fn forget_if_drained(&mut self, connection: Connection) {
        let closed = self.ends.get(&connection).is_some_and(|e| e.closed);
        let drained = self.streams.get(&(connection, Way::Request)).is_none_or(|s| s.delivered == s.sent);
        if closed && drained {
            self.reset(connection);
        }
    }

    /// Connections the table holds (open or draining).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.ends.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = NodeId(1);
    const B: NodeId = NodeId(2);

    #[test]
    fn segments_are_delivered_in_the_order_they_were_sent() {
        let mut s = Streams::default();
        let c = s.connection(A, B);
        let (first, second) = (s.push(c, Way::Request).unwrap(), s.push(c, Way::Request).unwrap());
        assert!(s.arrive(c, Way::Request, second, "second").is_empty(), "waits for the first");
        assert_eq!(s.arrive(c, Way::Request, first, "first"), vec!["first", "second"]);
    }

    #[test]
    fn a_closed_connection_drains_its_requests_and_drops_its_replies() {
        let mut s = Streams::default();
        let c = s.connection(A, B);
        let first = s.push(c, Way::Request).unwrap();
        assert_eq!(s.arrive(c, Way::Request, first, "first"), vec!["first"], "established");
        let request = s.push(c, Way::Request).unwrap();
        s.close(c);
        assert_ne!(s.connection(A, B), c, "the next call opens a new connection");
        assert_eq!(s.push(c, Way::Reply), None, "the caller's socket is gone");
        assert_eq!(s.arrive(c, Way::Request, request, "late"), vec!["late"], "the kernel still sends it");
        assert_eq!(s.len(), 1, "the drained connection is forgotten");
    }

    #[test]
    fn closing_a_connection_that_never_got_through_drops_its_requests() {
        let mut s = Streams::default();
        let c = s.connection(A, B);
        let request = s.push(c, Way::Request).unwrap();
        s.close(c);
        assert!(!s.alive(c, Way::Request), "connect() never returned: nothing was written");
        assert!(s.arrive(c, Way::Request, request, "never sent").is_empty());
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn a_call_that_times_out_on_a_reset_connection_leaves_its_successor_alone() {
        let mut s = Streams::default();
        let old = s.connection(A, B);
        s.reset_node(B);
        let new = s.connection(A, B);
        let first = s.push(new, Way::Request).unwrap();
        s.close(old);
        assert_eq!(s.connection(A, B), new, "the call on the old connection closes only that one");
        assert_eq!(s.arrive(new, Way::Request, first, "first"), vec!["first"]);
        assert!(s.push(new, Way::Reply).is_some(), "its replies still reach the caller");
    }

    #[test]
    fn an_orphaned_connection_gives_up_sooner_than_an_open_one() {
        let mut s = Streams::default();
        let c = s.connection(A, B);
        let first = s.push(c, Way::Request).unwrap();
        s.arrive(c, Way::Request, first, "first");
        assert_eq!(s.retries(c), RETRIES);
        s.push(c, Way::Request).unwrap();
        s.close(c);
        assert_eq!(s.retries(c), ORPHAN_RETRIES);
        // Reset when the timer after the 8th retransmission expires.
        let total: Duration = (0..=ORPHAN_RETRIES).map(retransmission_timeout).sum();
        assert_eq!(total, Duration::from_millis(102_200), "tcp_orphan_retries' 8 retransmissions");
    }

    #[test]
    fn a_crash_resets_every_connection_of_the_node() {
        let mut s = Streams::default();
        let (ab, ba) = (s.connection(A, B), s.connection(B, A));
        let seq = s.push(ab, Way::Request).unwrap();
        s.reset_node(B);
        assert!(!s.alive(ab, Way::Request) && !s.alive(ba, Way::Reply));
        assert!(s.arrive(ab, Way::Request, seq, "lost").is_empty());
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn the_retransmission_timeout_doubles_from_200ms_to_120s() {
        let waits: Vec<u64> = (0..12).map(|k| retransmission_timeout(k).as_millis() as u64).collect();
        assert_eq!(&waits[..4], &[200, 400, 800, 1600]);
        assert_eq!(waits[10], 120_000, "capped at TCP_RTO_MAX");
        let total: Duration = (0..RETRIES).map(retransmission_timeout).sum();
        assert!(total > Duration::from_secs(600), "a connection outlives any run's partition: {total:?}");
    }
}
