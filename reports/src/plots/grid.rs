//! The rows and columns every chart shares: designs in the order they first
//! appear, and scenarios (with the workload when cells differ in it).

use crate::cell::CellReport;

/// Rows (designs) and columns (scenarios, with the workload when several are present).
pub(super) struct Grid {
    pub(super) designs: Vec<String>,
    pub(super) columns: Vec<String>,
    several_workloads: bool,
}

impl Grid {
    pub(super) fn of(cells: &[CellReport]) -> Grid {
        let several_workloads = cells.iter().any(|c| c.workload != cells[0].workload);
        let mut grid = Grid { designs: Vec::new(), columns: Vec::new(), several_workloads };
        for c in cells {
            push_new(&mut grid.designs, &c.algorithm);
            let column = grid.column(c);
            push_new(&mut grid.columns, &column);
        }
        grid
    }

    fn column(&self, c: &CellReport) -> String {
        if self.several_workloads {
            format!("{} / {}", c.scenario, c.workload)
        } else {
            c.scenario.clone()
        }
    }

    pub(super) fn find<'c>(&self, cells: &'c [CellReport], design: &str, column: &str) -> Option<&'c CellReport> {
        cells.iter().find(|c| c.algorithm == design && self.column(c) == column)
    }
}

fn push_new(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}
