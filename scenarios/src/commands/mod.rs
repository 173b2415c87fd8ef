//! One module per subcommand.

pub mod bench;
pub mod compare;
pub mod list;
pub mod replay;
pub mod report;
pub mod run;
pub mod shrink;
pub mod sweep;
