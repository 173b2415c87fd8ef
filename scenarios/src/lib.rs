//! locksim's top layer: workloads, fault scenarios, experiments, the seed
//! sweep and the command line. A run = (algorithm, workload, fault plan, seed)
//! -> history -> verdict.

pub mod args;
pub mod axis;
pub mod cli;
pub mod commands;
pub mod config;
pub mod draw;
pub mod experiment;
pub mod failure;
pub mod fault_rules;
pub mod grid;
pub mod hazards;
pub mod out_dir;
pub mod plan;
pub mod progress;
pub mod report_dir;
pub mod scenario;
pub mod shrink;
pub mod sizes;
pub mod spec;
pub mod sweep;
pub mod sweep_dir;
pub mod workload;
