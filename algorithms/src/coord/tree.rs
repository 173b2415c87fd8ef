//! The coordination service's replicated state machine: ZooKeeper's data
//! tree and its sessions, as far as the lock recipes need them.
//!
//! Reference: the ZooKeeper Programmer's Guide ("ZooKeeper Data Model",
//! "Ephemeral Nodes", "Sequence Nodes", "ZooKeeper Sessions").
//!
//! Every replica applies the same [`Command`]s in log order, so every replica
//! holds the same tree; nothing here reads a clock or draws a random number.
//! The log index of the entry that made a change is its zxid (ZooKeeper's
//! transaction id), so a node's `czxid` is agreed by every replica and grows
//! with log order: the lock recipe uses it as a fencing token.
//!
//! Simplified: nodes carry no data and no ACLs; there are no versions or
//! conditional updates; a sequential name's counter is a per-parent counter
//! of sequential creates (ZooKeeper uses the parent's cversion, which also
//! counts deletes); expired sessions are removed by an explicit
//! `ExpireSession` entry the leader proposes (as ZooKeeper's leader logs a
//! `closeSession` transaction).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::Duration;

use sim::history::NodeId;

use crate::resource::Update;

/// A session's id: the zxid of the entry that created it (unique and agreed).
pub type SessionId = u64;
/// A transaction id: the log index of the entry that applied a change.
pub type Zxid = u64;

/// A change to the tree, as carried in a log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    CreateSession {
        client: NodeId,
        timeout: Duration,
    },
    /// The leader heard nothing from the session for its timeout.
    ExpireSession {
        session: SessionId,
    },
    Create {
        session: SessionId,
        path: String,
        ephemeral: bool,
        sequential: bool,
    },
    Delete {
        session: SessionId,
        path: String,
    },
    /// An operation to apply to the protected resource in log order
    /// (`deterministic-ordering`); the tree only numbers it.
    Submit {
        client: NodeId,
        op: Update,
    },
}

/// Why a command or read failed; every replica gives the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeError {
    NoNode,
    NodeExists,
    NoParent,
    /// Ephemeral nodes have no children.
    EphemeralParent,
    SessionExpired,
}

/// The result of applying a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Session(SessionId),
    Created {
        path: String,
        czxid: Zxid,
    },
    Deleted,
    /// The session's ephemeral nodes that went with it.
    Expired {
        deleted: Vec<String>,
    },
    /// A submitted operation got sequence number `seq` of the agreed order.
    Ordered {
        seq: u64,
        client: NodeId,
        op: Update,
    },
    Failed(TreeError),
}

/// A node as a child listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub name: String,
    /// The zxid of the node's creation (ZooKeeper's `Stat.czxid`).
    pub czxid: Zxid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// The client node, where watch notifications go.
    pub client: NodeId,
    pub timeout: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ZNode {
    czxid: Zxid,
    ephemeral_owner: Option<SessionId>,
    /// The next sequence number handed to a sequential child.
    next_seq: u64,
}

/// A path that appeared or disappeared (what watches fire on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Created(String),
    Deleted(String),
}

/// The tree and its live sessions. Paths are absolute (`/lock/x`); the root
/// `/` always exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    nodes: BTreeMap<String, ZNode>,
    sessions: BTreeMap<SessionId, Session>,
    /// How many operations have been submitted (the last sequence number).
    ordered: u64,
}

impl Default for Tree {
    fn default() -> Self {
        let root = ZNode { czxid: 0, ephemeral_owner: None, next_seq: 0 };
        Tree { nodes: BTreeMap::from([("/".to_string(), root)]), sessions: BTreeMap::new(), ordered: 0 }
    }
}

/// What the paths of `path`'s children start with.
fn child_prefix(path: &str) -> String {
    if path == "/" {
        "/".to_string()
    } else {
        format!("{path}/")
    }
}

fn parent_of(path: &str) -> Option<&str> {
    match path.rsplit_once('/') {
        Some(("", name)) if !name.is_empty() => Some("/"),
        Some((parent, name)) if !name.is_empty() => Some(parent),
        _ => None,
    }
}

impl Tree {
    /// Apply `command` as the entry at log index `zxid`; `changes` receives
    /// the paths created and deleted.
    pub fn apply(&mut self, zxid: Zxid, command: &Command, changes: &mut Vec<Change>) -> Applied {
        match command {
            Command::Submit { client, op } => {
                self.ordered += 1;
                Applied::Ordered { seq: self.ordered, client: *client, op: *op }
            }
            Command::CreateSession { client, timeout } => {
                self.sessions.insert(zxid, Session { client: *client, timeout: *timeout });
                Applied::Session(zxid)
            }
            Command::ExpireSession { session } => {
                if self.sessions.remove(session).is_none() {
                    return Applied::Failed(TreeError::SessionExpired);
                }
                let deleted: Vec<String> = self
                    .nodes
                    .iter()
                    .filter(|(_, n)| n.ephemeral_owner == Some(*session))
                    .map(|(p, _)| p.clone())
                    .collect();
                for path in &deleted {
                    self.nodes.remove(path);
                    changes.push(Change::Deleted(path.clone()));
                }
                Applied::Expired { deleted }
            }
            Command::Create { session, path, ephemeral, sequential } => {
                match self.create(zxid, *session, path, *ephemeral, *sequential) {
                    Ok(path) => {
                        changes.push(Change::Created(path.clone()));
                        Applied::Created { path, czxid: zxid }
                    }
                    Err(e) => Applied::Failed(e),
                }
            }
            Command::Delete { session, path } => {
                if !self.sessions.contains_key(session) {
                    return Applied::Failed(TreeError::SessionExpired);
                }
                if path == "/" || !self.nodes.contains_key(path.as_str()) {
                    return Applied::Failed(TreeError::NoNode);
                }
                // ZooKeeper refuses to delete a node with children (NotEmpty);
                // the recipes never try, so it is reported as NodeExists.
                if self.has_children(path) {
                    return Applied::Failed(TreeError::NodeExists);
                }
                self.nodes.remove(path.as_str());
                changes.push(Change::Deleted(path.clone()));
                Applied::Deleted
            }
        }
    }

    fn create(
        &mut self,
        zxid: Zxid,
        session: SessionId,
        path: &str,
        ephemeral: bool,
        sequential: bool,
    ) -> Result<String, TreeError> {
        if !self.sessions.contains_key(&session) {
            return Err(TreeError::SessionExpired);
        }
        let parent_path = parent_of(path).ok_or(TreeError::NoNode)?;
        let parent = self.nodes.get_mut(parent_path).ok_or(TreeError::NoParent)?;
        if parent.ephemeral_owner.is_some() {
            return Err(TreeError::EphemeralParent);
        }
        let path = if sequential {
            parent.next_seq += 1;
            // ZooKeeper's format: ten digits, zero-padded.
            format!("{path}{:010}", parent.next_seq - 1)
        } else {
            path.to_string()
        };
        if self.nodes.contains_key(&path) {
            return Err(TreeError::NodeExists);
        }
        let node = ZNode { czxid: zxid, ephemeral_owner: ephemeral.then_some(session), next_seq: 0 };
        self.nodes.insert(path.clone(), node);
        Ok(path)
    }

    /// The children of `path`, by name.
    pub fn children(&self, path: &str) -> Result<Vec<Child>, TreeError> {
        if !self.nodes.contains_key(path) {
            return Err(TreeError::NoNode);
        }
        let prefix = child_prefix(path);
        Ok(self
            .children_of(&prefix)
            .map(|(p, n)| Child { name: p[prefix.len()..].to_string(), czxid: n.czxid })
            .collect())
    }

    /// Whether `path` has a child (what `children` would list, without listing it).
    fn has_children(&self, path: &str) -> bool {
        self.children_of(&child_prefix(path)).next().is_some()
    }

    /// The nodes directly under `prefix` (a path and its trailing `/`), by name.
    fn children_of<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a String, &'a ZNode)> + 'a {
        self.nodes
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(p, _)| p.starts_with(prefix))
            .filter(move |(p, _)| p.len() > prefix.len() && !p[prefix.len()..].contains('/'))
    }

    /// The node's czxid, if it exists.
    pub fn exists(&self, path: &str) -> Option<Zxid> {
        self.nodes.get(path).map(|n| n.czxid)
    }

    pub fn session(&self, id: SessionId) -> Option<Session> {
        self.sessions.get(&id).copied()
    }

    /// Live sessions, in id order.
    pub fn sessions(&self) -> impl Iterator<Item = (SessionId, Session)> + '_ {
        self.sessions.iter().map(|(id, s)| (*id, *s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(tree: &mut Tree, zxid: Zxid) -> SessionId {
        let cmd = Command::CreateSession { client: NodeId(7), timeout: Duration::from_secs(10) };
        match tree.apply(zxid, &cmd, &mut Vec::new()) {
            Applied::Session(id) => id,
            other => panic!("{other:?}"),
        }
    }

    fn create(tree: &mut Tree, zxid: Zxid, session: SessionId, path: &str, ephemeral: bool, seq: bool) -> Applied {
        let cmd = Command::Create { session, path: path.into(), ephemeral, sequential: seq };
        tree.apply(zxid, &cmd, &mut Vec::new())
    }

    #[test]
    fn sequential_names_count_per_parent_and_children_list_one_level() {
        let mut t = Tree::default();
        let s = session(&mut t, 1);
        assert_eq!(create(&mut t, 2, s, "/lock", false, false), Applied::Created { path: "/lock".into(), czxid: 2 });
        assert_eq!(create(&mut t, 3, s, "/lock", false, false), Applied::Failed(TreeError::NodeExists));
        let a = create(&mut t, 4, s, "/lock/a-", true, true);
        let b = create(&mut t, 5, s, "/lock/b-", true, true);
        assert_eq!(a, Applied::Created { path: "/lock/a-0000000000".into(), czxid: 4 });
        assert_eq!(b, Applied::Created { path: "/lock/b-0000000001".into(), czxid: 5 });
        assert_eq!(create(&mut t, 6, s, "/other/x", false, false), Applied::Failed(TreeError::NoParent));
        assert_eq!(
            create(&mut t, 7, s, "/lock/a-0000000000/x", false, false),
            Applied::Failed(TreeError::EphemeralParent)
        );
        let names: Vec<String> = t.children("/lock").unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a-0000000000", "b-0000000001"]);
        assert_eq!(t.children("/").unwrap().len(), 1, "grandchildren are not children");
    }

    #[test]
    fn expiring_a_session_deletes_exactly_its_ephemeral_nodes() {
        let mut t = Tree::default();
        let (s1, s2) = (session(&mut t, 1), session(&mut t, 2));
        create(&mut t, 3, s1, "/lock", false, false);
        create(&mut t, 4, s1, "/lock/n-", true, true);
        create(&mut t, 5, s2, "/lock/n-", true, true);
        let mut changes = Vec::new();
        let expired = t.apply(6, &Command::ExpireSession { session: s1 }, &mut changes);
        assert_eq!(expired, Applied::Expired { deleted: vec!["/lock/n-0000000000".into()] });
        assert_eq!(changes, [Change::Deleted("/lock/n-0000000000".into())]);
        assert_eq!(t.exists("/lock"), Some(3), "persistent nodes outlive their creator's session");
        assert_eq!(t.exists("/lock/n-0000000001"), Some(5));
        assert_eq!(create(&mut t, 7, s1, "/lock/n-", true, true), Applied::Failed(TreeError::SessionExpired));
        let del = Command::Delete { session: s2, path: "/lock/n-0000000000".into() };
        assert_eq!(t.apply(8, &del, &mut Vec::new()), Applied::Failed(TreeError::NoNode));
    }
}
